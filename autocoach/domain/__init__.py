"""AutoCoach's domain core: pure Python, no Reflex, no database, no network.

Plain dataclasses in, plain dataclasses out. The CLI, the Reflex states and the
tests all call this package; nothing here imports from the rest of the app.
"""
