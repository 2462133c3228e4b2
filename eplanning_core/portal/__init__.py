"""The public portal (no login): follow a proposal by its tracking code, browse and summarise
proposals per unit and agency, and download every proposal and decision as open data.

Nothing personal leaves through here: proposer names are masked, phone numbers and NIK are
never read, and decisions name the unit or agency that decided, never a person.
"""
