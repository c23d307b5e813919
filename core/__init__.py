"""Shared utilities with no domain: dates, exports, pdf, mail backends, errors, task helpers.

The lowest layer next to `config`: it imports Django and libraries, never an app of ours.
"""
