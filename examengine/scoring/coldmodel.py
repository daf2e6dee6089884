"""The cold-start model: how answer features map to a share of an item's points before any grader has
confirmed a score for the item.

One linear model for every item, fitted across questions (not per question) on real Chinese short answers
with teachers' scores; `bench/fit_cold_model.py` refits it from a JSON Lines file and prints how it does on
questions left out of the fit. Items with a rubric blend it with the share of the rubric's points found."""

FEATURES = ("rec1", "rec2", "rec3", "prec3", "length", "keywords", "cos_char", "cos_word", "verdict")
# Fitted on ../shared/scoring_eval/dev.jsonl (1,365 answers to 107 questions), ridge alpha 3; left out one
# question at a time it gave QWK 0.577 on the 0-10 questions and 0.734 on the 0-1 questions.
COEF = (0.3556, 0.2094, -0.0180, -0.1709, 0.1652, 0.3385, -0.3909, 0.1234, 0.2600)
INTERCEPT = 0.3328
# Mean absolute error of the cold estimate as a share of the item's points, on questions left out of the fit.
COLD_ERROR = 0.166
RUBRIC_WEIGHT = 0.6
