"""Objective scoring, the short-answer scorer, the review queue, results and item analysis."""
