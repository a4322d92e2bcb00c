"""The support agent's console in /admin/: record lookup, opening, verifying, cancelling.

`views` holds the pages, `forms` their forms, `timeline` the steps of a request as the
request page shows them, `urls` their addresses; the templates are in
templates/admin/unlocks/. `unlocks/admin.py` only registers the models and wires these in.
"""
