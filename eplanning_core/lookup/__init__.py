"""JSON look-ups for the search-as-you-type pickers (static/picker.js): units, agencies,
catalogue items and sub kegiatan, each scoped to the request's region and the user's role."""
