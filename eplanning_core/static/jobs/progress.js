/* The job page's progress bar: asks the job's status every second and moves the bar; when
   the job is finished the page reloads, and the server shows the download, the import's
   report or the failure with its reason. Texts come from the server (the reader's language). */
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || job.getAttribute("data-finished") === "true" || !window.fetch) { return; }
  var url = job.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var holder = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var state = document.getElementById("job-state");
  var step = document.getElementById("job-step");
  var eta = document.getElementById("job-eta");

  function show(status) {
    bar.style.width = status.percent + "%";
    percent.textContent = status.percent + "%";
    holder.setAttribute("aria-valuenow", String(status.percent));
    state.textContent = status.state;
    step.textContent = status.step || "";
    eta.textContent = status.eta || "";
    job.setAttribute("data-status", status.status);
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
