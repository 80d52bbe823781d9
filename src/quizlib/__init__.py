"""quizlib: quizzes defined once in YAML, scored by one rule set, shown in live Jupyter and in a static book."""

from .book import objectives, progress, show, study_plan
from .load import QuizFileError, load_course

__all__ = ["show", "objectives", "progress", "study_plan", "load_course", "QuizFileError"]
__version__ = "0.1.0"
