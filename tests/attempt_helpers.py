"""Answering a server-scored attempt as a learner's browser does: from the questions the server sent (no key,
ids renamed for the attempt), matched to the course's own questions by their text.

``public_response`` turns a response in the course's ids into the attempt's names (what a learner who knows
the answer would click); ``blind`` is what a learner who answers blind gives: always the first choice as shown,
or always the longest.
"""

from __future__ import annotations

from typing import Any

from quizlib.quiz.model import Question


def _by_text(items: list[dict], text: str, field: str = "text") -> str:
    found = [i["id"] for i in items if i[field] == text]
    assert len(found) == 1, f"{text!r} is shown {len(found)} times"
    return found[0]


def public_response(q: Question, pub: dict, response: Any) -> Any:
    """``response`` (in ``q``'s own ids) in the names the attempt ``pub`` shows."""
    if q.kind in ("single_choice", "multiple_response"):
        texts = {o.id: o.text for o in q.options}
        if q.kind == "single_choice":
            return _by_text(pub["options"], texts[response])
        return [_by_text(pub["options"], texts[r]) for r in response]
    if q.kind in ("true_false", "numeric"):
        return response
    if q.kind == "ordering":
        texts = {i.id: i.text for i in q.items}
        return [_by_text(pub["items"], texts[r]) for r in response]
    if q.kind == "matching":
        lefts = {p.id: p.left for p in q.pairs}
        rights = {**{p.id: p.right for p in q.pairs}, **{d.id: d.text for d in q.distractors}}
        return {
            _by_text(pub["pairs"], lefts[k], "left"): _by_text(pub["choices"], rights[v]) for k, v in response.items()
        }
    stages = {s.id: s for s in q.stages}
    stage, out = stages[q.start], []
    for option_id in response:
        pub_stage = next(s for s in pub["stages"] if s["text"] == stage.text and s["prompt"] == stage.prompt)
        option = next(o for o in stage.options if o.id == option_id)
        out.append(_by_text(pub_stage["options"], option.text))
        stage = stages[option.next] if option.next else None
    return out


def _pick(items: list[dict], how: str, field: str = "text") -> dict:
    """The first item as shown, or the first of the longest (a tie goes to the one shown first)."""
    return items[0] if how == "first" else max(items, key=lambda i: len(i[field]))


def blind(pub: dict, how: str) -> Any:
    """What a learner who answers blind gives to question ``pub`` as the attempt shows it: ``how`` is
    "first" (always the first choice shown) or "longest" (always the longest). A number is left unanswered;
    true or false is True for "first" (the first button) and False for "longest"; an ordering is left as shown;
    in matching every item gets the same choice; in a case each decision is the first (or longest) of its stage.
    """
    kind = pub["kind"]
    if kind == "single_choice":
        return _pick(pub["options"], how)["id"]
    if kind == "multiple_response":
        return [_pick(pub["options"], how)["id"]]
    if kind == "true_false":
        return how == "first"
    if kind == "numeric":
        return None
    if kind == "ordering":
        return [i["id"] for i in pub["items"]]
    if kind == "matching":
        choice = _pick(pub["choices"], how)["id"]
        return {p["id"]: choice for p in pub["pairs"]}
    stages = {s["id"]: s for s in pub["stages"]}
    stage, path = stages[pub["start"]], []
    while stage is not None:
        option = _pick(stage["options"], how)
        path.append(option["id"])
        stage = stages[option["next"]] if option["next"] else None
    return path


def pass_the_final(client, who: dict, course, store, quiz_id: str = "final") -> dict:
    """Start an attempt at the summative quiz over the API, as learner ``who``, and submit the full-credit
    response to every question; returns the submitted attempt as the server answers it."""
    from quizlib.quiz import draw
    from quizlib.quiz.score import full_credit_response

    auth = {"Authorization": f"Bearer {who['token']}"}
    r = client.post("api/v1/attempts", json={"quiz_id": quiz_id}, headers=auth)
    assert r.status_code in (200, 201), r.text
    attempt = r.json()
    quiz = course.quiz(quiz_id)
    shown = {q.id: q for q in draw.shown_questions(quiz, course.quizzes, store.attempt(attempt["id"]).seed)}
    responses = {
        p["id"]: public_response(shown[p["id"]], p, full_credit_response(shown[p["id"]])) for p in attempt["questions"]
    }
    r = client.post(
        f"api/v1/attempts/{attempt['id']}/submit", json={"responses": responses, "durations": {}}, headers=auth
    )
    assert r.status_code == 200, r.text
    return r.json()
