{% set levels = cookiecutter.__levels | split_levels %}
{% set village_key = "musrenbang_" ~ (levels[1] | stage_word) %}
"""The core's acceptance scenario on this region's own configuration.

One proposal goes from the first stage of tenants/{{ cookiecutter.tenant_slug }}/tenant.toml to the
budget through the core's real operations (the fixture ``eplanning_app`` and ``run_acceptance``
come with eplanning-core's pytest plugin). When this fails after editing tenant.toml, the
message says which stage refused and why.
"""

from eplanning_core.testing import run_acceptance

SLUG = "{{ cookiecutter.tenant_slug }}"


def test_a_proposal_goes_from_the_first_stage_to_the_budget(eplanning_app):
    report = run_acceptance(eplanning_app(SLUG), SLUG)

    assert report.final_status == "didanai"
    assert report.stages[0] == "{{ 'rembuk_warga' if cookiecutter.stage_preset == 'lengkap' else village_key }}"
    assert report.stages[-1] == "penganggaran"
    assert report.tracking_code.startswith("{{ cookiecutter.tracking_prefix }}-")
{% if cookiecutter.stage_preset != "ringkas" %}
    assert report.pokir_stages and report.pokir_stages[0] == "pokir", "the Pokir did not run"
{% else %}
    assert report.pokir_stages == []
{% endif %}
