"""Plain helper modules for the tests: imported by test modules and conftest files alike.

Fixtures live in the conftest files; everything else that more than one test module
uses lives here, so that no test module imports another one or a conftest.
"""
