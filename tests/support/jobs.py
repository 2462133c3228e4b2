"""Following a background job from the response that started it to its finished page."""

from __future__ import annotations

import time

#: A job's deadline in tests: far beyond any test job; reaching it is a hang, not slowness.
DEADLINE_SECONDS = 120


def job_url(response) -> str:
    location = response.headers["Location"]
    assert "/tugas/" in location, location
    return location[location.index("/tugas/"):]


def wait_for_job(client, response_or_url) -> dict:
    """Poll the job's status (as its page's script does) until it is finished; returns it."""
    url = response_or_url if isinstance(response_or_url, str) else job_url(response_or_url)
    give_up = time.monotonic() + DEADLINE_SECONDS
    while True:
        status = client.get(url.rstrip("/") + "/status").get_json()
        if status["finished"]:
            return status
        assert time.monotonic() < give_up, f"job {url} still {status['status']} after {DEADLINE_SECONDS} s"
        time.sleep(0.05)


def finished_page(client, response) -> str:
    """The job page once the job is finished (download link, report or failure)."""
    wait_for_job(client, response)
    return client.get(job_url(response)).get_data(as_text=True)
