"""The short help panel of each page an operator lands on (issue 14, point 8).

One entry per endpoint: what the page is for, and what to do next. base.html renders it
in ONE place, a ``<details class="help">`` above the page's title: closed (one line) on
every page, so that a clerk who knows the page loses nothing, and open on the desk, the
page everyone lands on after logging in, where a trainee needs it most. No state is kept:
nothing to dismiss, nothing stored per user.

The texts are English source strings (``lazy_gettext``); Bahasa Indonesia comes from the
catalogue (tools/glossary-screens.json). tests/test_help.py checks that every page of the
top bar has an entry, translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class PageHelp:
    purpose: object  # lazy strings: translated when rendered
    next: object
    open: bool = False


def _h(purpose, next_step, open_=False) -> PageHelp:
    return PageHelp(purpose, next_step, open_)


HELP: dict[str, PageHelp] = {
    # ---- every role's work -------------------------------------------------------------------
    "home.index": _h(
        _l("Your desk: the work waiting for you in the current stage, its deadline, and how far "
           "your units have come."),
        _l("Start with the first task in the list: each one opens the page where you do it. A red "
           "line means the deadline is close or past."), True),
    "notifications.index": _h(
        _l("Messages for you: proposals that reached you, stages that open or close soon."),
        _l("Open a message to go to what it is about; opening it marks it as read.")),
    "usulan.index": _h(
        _l("All proposals you may see, in every stage, with their status."),
        _l("Filter by stage, status or unit to find your work; open a proposal to decide on it, "
           "or use \"Send up\" when your batch is ready.")),
    "usulan.detail": _h(
        _l("One proposal: what was asked, where, for how much, and everything that happened to "
           "it (who, when, why)."),
        _l("Use the action cards to decide (accept, accept with changes, reject with a reason) or "
           "to correct it; the history below records every change.")),
    "usulan.create": _h(
        _l("A new proposal: the activity asked for, its location, volume and the catalogue item "
           "that prices it."),
        _l("Choose the catalogue item first: it fills the unit and price. Save, then add photos "
           "and the site survey from the proposal's page.")),
    "usulan.edit": _h(
        _l("Correct a proposal's details while it is still at your stage."),
        _l("Change what is wrong and save; the reason and the old values are kept in its "
           "history.")),
    "usulan.send": _h(
        _l("Send the proposals decided at your stage up to the next level, as one batch."),
        _l("Check the list and the warnings (quota, ceiling, undecided proposals), then send. "
           "After sending, the next level decides; you can no longer change them.")),
    "tugas.mine": _h(
        _l("Your exports and imports that run in the background."),
        _l("Open a finished one to download its file; a failed one says why.")),
    "tugas.show": _h(
        _l("The progress of one export or import."),
        _l("Wait until it is finished, then download the file; you may leave this page "
           "meanwhile.")),
    "auth.change_password": _h(
        _l("Change your own password."),
        _l("Enter your current password and the new one twice; your other sessions end.")),
    # ---- meetings ----------------------------------------------------------------------------
    "rapat.index": _h(
        _l("The meetings of every stage (Rembuk Warga, Musrenbang): which units held theirs, "
           "signed the berita acara and sent their proposals."),
        _l("Choose a stage to see its units; open a unit to record its meeting.")),
    "rapat.listing": _h(
        _l("The units of one stage and the state of their meeting."),
        _l("Filter for units without a recorded meeting or without sent proposals; open a unit to "
           "record or check its meeting.")),
    "rapat.detail": _h(
        _l("One unit's meeting: place, start, attendance, delegates, the berita acara and the "
           "photos."),
        _l("Record the meeting, upload the signed berita acara, then send the proposals from the "
           "proposals page.")),
    # ---- kecamatan, agencies, Bappeda ----------------------------------------------------------
    "ranking.index": _h(
        _l("The kecamatan Musrenbang's ranking: score each proposal on the criteria; the best "
           "ones that fit the quota and the ceiling (pagu) are above the line."),
        _l("Enter the scores and save them; then accept the top proposals that fit and route "
           "them to the suggested agencies.")),
    "realisasi.index": _h(
        _l("The money followed to the result: each funded item's contract, physical progress, money "
           "realised and photos, per agency against the plan."),
        _l("Open an item to report a milestone with its photos, or import the agency's monthly report "
           "in one go; items marked late or without a record come first.")),
    "realisasi.item": _h(
        _l("One funded item's execution: its funding, contract, milestones and photos."),
        _l("Report each milestone with its date, physical progress, money realised so far and a photo; "
           "mark it completed at 100 percent, or failed with the reason.")),
    "renja.index": _h(
        _l("The proposals routed to an agency for its Forum Perangkat Daerah."),
        _l("Open each proposal to accept it with a sub kegiatan and pagu, reject it with a reason, "
           "or hand it to the right agency.")),
    "renja.draft": _h(
        _l("The agency's draft Renja: the accepted proposals by programme, kegiatan and sub "
           "kegiatan, against the agency's ceiling."),
        _l("Check the totals against the ceiling; download it as Excel or PDF for the forum.")),
    "commandcenter.index": _h(
        _l("The region at a glance: proposals by stage and status, money asked and planned, and "
           "the map."),
        _l("Use it to see where the cycle is late; open a unit or agency in the lists for "
           "details.")),
    # ---- reference ---------------------------------------------------------------------------
    "wilayah.index": _h(
        _l("The region's units (kecamatan, kelurahan, lingkungan) and their codes."),
        _l("Search a unit by name or code and open it to see its profile and its proposals.")),
    "wilayah.detail": _h(
        _l("One unit: its place in the region, its sub-units and its profile."),
        _l("Keep its profile (the head of the unit, office address and phone) up to date.")),
    "wilayah.edit_profile": _h(
        _l("The unit's profile: the head of the unit, office address and phone."),
        _l("Correct it and save.")),
    "kamus.nomenklatur": _h(
        _l("The national nomenclature: programme, kegiatan and sub kegiatan codes used in the "
           "Renja and the RKPD."),
        _l("Search by code or name to find the sub kegiatan for an accepted proposal.")),
    "kamus.index": _h(
        _l("The proposal catalogue (kamus usulan): what may be proposed, its unit, price and "
           "responsible agency."),
        _l("Add or correct items before the cycle opens; import a whole list from Excel.")),
    "kamus.new": _h(
        _l("A new catalogue item."),
        _l("Give its name, unit, price and agency, then save.")),
    "kamus.edit": _h(
        _l("One catalogue item."),
        _l("Correct it and save. A deactivated item stays in the proposals that use it, but new "
           "proposals cannot choose it.")),
    "kamus.history": _h(
        _l("Every change of this catalogue item: who, when, what."),
        _l("Go back to the catalogue when you have checked it.")),
    "kamus.import_kamus": _h(
        _l("Import the proposal catalogue from a spreadsheet."),
        _l("Upload the file, check the preview and its errors, then confirm.")),
    "kamus.import_nomenklatur": _h(
        _l("Import the national nomenclature from a spreadsheet."),
        _l("Upload the file, check the preview and its errors, then confirm.")),
    # ---- Bappeda administration ----------------------------------------------------------------
    "siklus.index": _h(
        _l("The planning cycles (one per budget year)."),
        _l("Open the current cycle to set its schedule, ceilings and quotas; open a new cycle "
           "once a year.")),
    "siklus.schedule": _h(
        _l("The cycle's schedule: when each stage opens and closes."),
        _l("Set the opening and closing dates of every stage before it starts.")),
    "siklus.limits": _h(
        _l("Ceilings (pagu indikatif) and quotas per kecamatan, kelurahan and agency."),
        _l("Enter the amounts before the Musrenbang starts; the ranking and the send page check "
           "them.")),
    "siklus.rkpd": _h(
        _l("The draft RKPD: the agencies' Renja consolidated, against each agency's ceiling."),
        _l("Verify every agency's part; then fix the RKPD on the penetapan page.")),
    "siklus.penetapan": _h(
        _l("Penetapan RKPD: lock the RKPD and publish it."),
        _l("Check the summary, then confirm: the RKPD is locked and handed to e-Budgeting.")),
    "siklus.budget": _h(
        _l("What became of the plan in the budget (APBD)."),
        _l("Import the budget outcome on the e-Budgeting page; unplanned budget lines are "
           "flagged.")),
    "anggaran.index": _h(
        _l("e-Budgeting: the RKPD handed to the budget, year by year."),
        _l("Choose a year to export the RKPD or import what was funded.")),
    "anggaran.cycle": _h(
        _l("One budget year: the RKPD export and the budget outcome."),
        _l("Export the RKPD for the finance team; import their result; then reconcile.")),
    "anggaran.upload": _h(
        _l("Import the budget outcome (what was funded, with amounts)."),
        _l("Upload the file, check the preview, then confirm.")),
    "anggaran.reconcile": _h(
        _l("Reconciliation: budget lines against the plan."),
        _l("Look at the lines without a planning history first: they need an explanation.")),
    "tugas_admin.index": _h(
        _l("Every background job (exports, imports) of the region."),
        _l("Look for failed jobs and their reason.")),
    "admin.users": _h(
        _l("The region's accounts: who may log in, with which role and unit."),
        _l("Add an account for each operator; disable an account when a person leaves.")),
    "admin.new_user": _h(
        _l("A new account."),
        _l("Choose the role and its unit, agency or dapil, and a first password.")),
    "admin.edit_user": _h(
        _l("One account: role, unit, and whether it may log in."),
        _l("Correct it and save; \"Set a temporary password\" helps a person who forgot theirs.")),
    "admin.user_history": _h(
        _l("Every change of this account: who, when, what."),
        _l("Go back to the accounts when you have checked it.")),
    "admin.agencies": _h(
        _l("The region's agencies (Perangkat Daerah) and their codes."),
        _l("Add or correct an agency; its code must match the nomenclature.")),
    "admin.new_agency": _h(
        _l("A new agency."),
        _l("Give its code, name and short name, then save.")),
    "admin.edit_agency": _h(
        _l("One agency."),
        _l("Correct it and save.")),
    "api_admin.index": _h(
        _l("Tokens for other systems that read from or write to this one (the API)."),
        _l("Create a token per system and keep it secret; revoke it when the system stops.")),
    "api_admin.create": _h(
        _l("A new API token."),
        _l("Name the system and choose what it may do; the token is shown once.")),
    # ---- pages other modules add to the top bar ----------------------------------------------
    "aspirasi.inbox": _h(
        _l("Citizens' aspirations sent through the public portal for your units."),
        _l("Bring each to your Rembuk Warga: make it a proposal, merge it into one, or decline it "
           "with a reason the citizen reads.")),
    "aspirasi.detail": _h(
        _l("One citizen's aspiration."),
        _l("Make it a proposal, merge it into one, or decline it with a reason.")),
    "realisasi.index": _h(
        _l("Realisation: the funded activities, their contracts, progress and realised amounts."),
        _l("Open an activity to record its progress with photos, or import the agencies' "
           "reports.")),
}


def help_for(endpoint: str | None) -> PageHelp | None:
    return HELP.get(endpoint or "")


def init_app(app) -> None:
    """``page_help()`` in templates: this request's entry, or None."""
    app.jinja_env.globals["page_help"] = lambda: help_for(request.endpoint)
