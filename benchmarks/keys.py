"""Figures: does the place or the length of a choice give the answer away? Per quiz, as written and as shown.

For every quiz of the course: how often the key of a single-choice question is the first option (as written in
the file, and as shown, where the order is drawn per attempt: the mean over many seeds), how often it is the
longest, the same for the keyed options of multiple-response questions and the full-credit decisions of cases,
and the score of a learner who answers blind, always taking the first choice (as written; as shown, mean and
worst case over the seeds) or always the longest. For the final assessment, the blind scores over many draws.

    python benchmarks/keys.py              # 2,000 seeds
    python benchmarks/keys.py --seeds 50   # a quick run
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from quizlib.quiz import draw, model, score
from quizlib.quiz.load import load_course
from quizlib.quiz.shuffle import arrangement


def _longest(items, text):
    """The first of the longest (a tie goes to the one met first)."""
    return max(items, key=lambda i: len(text(i)))


def blind(q: model.Question, how: str, seed: int | None):
    """A blind learner's one try at ``q``: the first choice (as written when ``seed`` is None, else as shown at
    ``seed``) or the longest (ties: the first of them in that order). Numbers are left unanswered."""
    order = arrangement(q, seed) if seed is not None else {}

    def arranged(part: str, items: list, ident):
        if part not in order:
            return items
        by_id = {ident(i): i for i in items}
        return [by_id[k] for k in order[part]]

    def pick(items, text):
        return items[0] if how == "first" else _longest(items, text)

    if isinstance(q, (model.SingleChoice, model.MultipleResponse)):
        chosen = pick(arranged("options", list(q.options), lambda o: o.id), lambda o: o.text).id
        return chosen if isinstance(q, model.SingleChoice) else [chosen]
    if isinstance(q, model.TrueFalse):
        return how == "first"
    if isinstance(q, model.Numeric):
        return None
    if isinstance(q, model.Ordering):
        return [i.id for i in q.items]
    if isinstance(q, model.Matching):
        choices = [(p.id, p.right) for p in q.pairs] + [(d.id, d.text) for d in q.distractors]
        if seed is None:
            choices.sort(key=lambda c: c[1])  # as the fronts showed them before shuffling: sorted by text
        chosen = pick(arranged("choices", choices, lambda c: c[0]), lambda c: c[1])[0]
        return {p.id: chosen for p in q.pairs}
    stages = {s.id: s for s in q.stages}
    stage, path = stages[q.start], []
    while stage is not None:
        option = pick(arranged(stage.id, list(stage.options), lambda o: o.id), lambda o: o.text)
        path.append(option.id)
        stage = stages[option.next] if option.next else None
    return path


def blind_percentage(quiz: model.Quiz, questions, how: str, seed: int | None) -> float:
    answers = {}
    for q in questions:
        response = blind(q, how, seed)
        if response is not None:
            answers[q.id] = {"tries": [response]}
    return score.score_quiz(quiz, answers, questions).percentage


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    –"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2000, help="attempts (seeds) to average over (default 2000)")
    args = parser.parse_args()
    seeds = range(args.seeds)
    course = load_course(ROOT / "quizzes")
    print(f"{len(seeds)} seeds; 'as shown' is the mean over them. Blind: one try at every question.\n")
    print(
        f"{'quiz':15} {'SC':>3} {'key 1st written':>16} {'key 1st shown':>14} {'key longest':>12}"
        f"  {'MR keyed 1st':>12} {'shown':>6}  {'case best 1st':>13} {'shown':>6} {'longest':>8}"
    )
    totals = {"sc": 0, "first": 0, "shown": 0.0, "longest": 0, "stages": 0, "best_longest": 0}
    for quiz in course.quizzes.values():
        if quiz.draw:
            continue
        sc = [q for q in quiz.questions if isinstance(q, model.SingleChoice)]
        key = {q.id: next(o for o in q.options if o.correct) for q in sc}
        first = sum(q.options[0].correct for q in sc)
        shown = (
            statistics.fmean(sum(arrangement(q, s)["options"][0] == key[q.id].id for q in sc) for s in seeds)
            if sc
            else 0.0
        )
        longest = sum(len(key[q.id].text) >= max(len(o.text) for o in q.options) for q in sc)
        mr = [q for q in quiz.questions if isinstance(q, model.MultipleResponse)]
        mr_first = sum(q.options[0].correct for q in mr)
        mr_shown = (
            statistics.fmean(
                sum(next(o for o in q.options if o.id == arrangement(q, s)["options"][0]).correct for q in mr)
                for s in seeds
            )
            if mr
            else 0.0
        )
        stages = [s for q in quiz.questions if isinstance(q, model.Vignette) for s in q.stages]
        best_first = sum(s.options[0].credit == 1 for s in stages)
        best_shown = (
            statistics.fmean(
                sum(
                    next(o for o in s.options if o.id == arrangement(q, seed)[s.id][0]).credit == 1
                    for q in quiz.questions
                    if isinstance(q, model.Vignette)
                    for s in q.stages
                )
                for seed in seeds
            )
            if stages
            else 0.0
        )
        best_longest = sum(
            any(o.credit == 1 and len(o.text) >= max(len(x.text) for x in s.options) for o in s.options) for s in stages
        )
        print(
            f"{quiz.id:15} {len(sc):3} {first:3} {share(first, len(sc)):>12} {share(shown, len(sc)):>14}"
            f" {longest:3} {share(longest, len(sc)):>8}  {mr_first:3} of {len(mr):<2} {share(mr_shown, len(mr)):>11}"
            f"  {best_first:3} of {len(stages):<3} {share(best_shown, len(stages)):>7} {share(best_longest, len(stages)):>8}"
        )
        totals["sc"] += len(sc)
        totals["first"] += first
        totals["shown"] += shown
        totals["longest"] += longest
        totals["stages"] += len(stages)
        totals["best_longest"] += best_longest
    print(
        f"{'all':15} {totals['sc']:3} {totals['first']:3} {share(totals['first'], totals['sc']):>12}"
        f" {share(totals['shown'], totals['sc']):>14} {totals['longest']:3} {share(totals['longest'], totals['sc']):>8}"
        f"  {'':>24} {'':>15} {share(totals['best_longest'], totals['stages']):>8}"
    )

    print(
        f"\n{'quiz':15} {'pass':>5}  {'first, written':>14}  {'first, shown: mean / worst':>27}  {'longest: mean / worst':>22}"
    )
    for quiz in course.quizzes.values():
        mark = quiz.settings.pass_mark
        if quiz.draw:
            written = max(
                blind_percentage(quiz, draw.draw_questions(quiz, course.quizzes, s), "first", None) for s in seeds
            )
            drawn = [(s, draw.draw_questions(quiz, course.quizzes, s)) for s in seeds]
            label = f"{quiz.id} ({len(seeds)} draws)"
        else:
            written = blind_percentage(quiz, quiz.questions, "first", None)
            drawn = [(s, quiz.questions) for s in seeds]
            label = quiz.id
        firsts = [blind_percentage(quiz, qs, "first", s) for s, qs in drawn]
        longs = [blind_percentage(quiz, qs, "longest", s) for s, qs in drawn]
        print(
            f"{label:15} {mark:4g}%  {written:13.2f}%  {statistics.fmean(firsts):12.2f}% / {max(firsts):6.2f}%"
            f"      {statistics.fmean(longs):8.2f}% / {max(longs):6.2f}%"
        )


if __name__ == "__main__":
    main()
