"""Blueprints and paper assembly: per-candidate forms and option shuffling."""
