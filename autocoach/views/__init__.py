"""The read side: pure presenters from typed domain results and rows to the
view models pages bind (plain dataclasses of display strings).

No Reflex, no database: states call a service, then one of these functions,
and assign what it returns. Score thresholds and label tables live here or in
`domain/vocabulary.py`, never in states.
"""
