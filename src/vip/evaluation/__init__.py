"""Evaluation: did the people the program reached fare better (docs/evaluation.md, definitions eval-1)."""
