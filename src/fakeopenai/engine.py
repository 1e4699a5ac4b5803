"""Rule selection: which scenario and rule answer a request, and with which reply.

First match wins: the ad-hoc rules added with ``FakeOpenAI.add`` first (in the order added),
then the loaded scenarios in load order, each rule in file order. Sequence counters
(``replies``) are kept per rule and per ``X-Fakeopenai-Session``; one lock guards them
and is never held across an await (``pick`` is synchronous and fast).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from fakeopenai.budgets.regex import LEFT as regex_left
from fakeopenai.budgets.regex import REQUEST_BUDGET
from fakeopenai.explaining import describe
from fakeopenai.loader import LoadedRule, LoadedScenario
from fakeopenai.matching import matches
from fakeopenai.record import record
from fakeopenai.scenario import ErrorSpec, Reply
from fakeopenai.view import RequestView

ADDED = "added"

# A rule to try: the name of its scenario ("added" for added rules), the rule, and its
# scenario (None for added rules).
Candidate = tuple[str, LoadedRule, LoadedScenario | None]


@record
class Decision:
    """The outcome of ``Engine.pick``: a reply to give, or why there is none."""

    reply: Reply | None
    scenario: LoadedScenario | None = None
    rule: LoadedRule | None = None
    step: int | None = None
    chaos: bool = False
    miss: str | None = None
    exhausted: bool = False
    seed: int | None = None

    @property
    def rule_key(self) -> str:
        """A stable name for the rule and step, mixed into generation seeds."""
        scenario = self.scenario.name if self.scenario else "default"
        rule = self.rule.name if self.rule else "default"
        return f"{scenario}/{rule}/{self.step or 0}"

    @property
    def label(self) -> str:
        """The rule for messages: ``'name' in scenario 's' (file:line)``."""
        rule, scenario = self.rule, self.scenario
        owner = scenario.name if scenario else ADDED
        line = rule.line if rule else None
        where = f"{scenario.source}:{line}" if scenario and line else owner
        return f"{rule.name if rule else None!r} in scenario {owner!r} ({where})"


class Engine:
    """Holds the loaded scenarios, the added rules and the sequence counters."""

    def __init__(self, scenarios: Sequence[LoadedScenario] = (), *, seed: int | None = None):
        self.seed = seed
        self._lock = threading.Lock()
        self._scenarios: tuple[LoadedScenario, ...] = tuple(scenarios)
        self._added: list[LoadedRule] = []
        self._counters: dict[tuple[str | None, str, int], int] = {}
        self.hits: dict[tuple[str, int], int] = {}
        self._order: list[Candidate] | None = None  # every candidate, built on first use
        self._models = self._declared_models(self._scenarios)  # asked on every request
        # `--reload`: set while a watcher runs; paused while scenarios sent with PUT
        # /_fakeopenai/scenarios are in place (a file save must not silently drop them).
        self.watched = False
        self.reload_paused = False

    @property
    def scenarios(self) -> tuple[LoadedScenario, ...]:
        return self._scenarios

    @property
    def added(self) -> tuple[LoadedRule, ...]:
        return tuple(self._added)

    @property
    def models(self) -> frozenset[str] | None:
        """The union of the declared model lists, or None when no scenario declares one."""
        return self._models

    @staticmethod
    def _declared_models(scenarios: Sequence[LoadedScenario]) -> frozenset[str] | None:
        declared = [s.models for s in scenarios if s.models is not None]
        if not declared:
            return None
        return frozenset(m for models in declared for m in models)

    def hit_counts(self) -> dict[tuple[str, int], int]:
        """Hits per (scenario name, rule index), copied under the lock: the server
        thread updates them while the control API or the test thread reads."""
        with self._lock:
            return dict(self.hits)

    def replace(self, scenarios: Sequence[LoadedScenario]) -> None:
        """Swap in new scenarios (and drop added rules and counters) atomically."""
        with self._lock:
            self._scenarios = tuple(scenarios)
            self._models = self._declared_models(self._scenarios)
            self._added.clear()
            self._counters.clear()
            self.hits.clear()
            self._order = None

    def add(self, rule: LoadedRule) -> None:
        """Append an ad-hoc rule: added rules are tried, in the order added, before
        every loaded scenario."""
        with self._lock:
            self._added.append(rule)
            self._order = None

    def reset(self, *, added: bool = True) -> None:
        """Clear sequence counters and hit counts (and the added rules)."""
        with self._lock:
            self._counters.clear()
            self.hits.clear()
            if added:
                self._added.clear()
                self._order = None

    def _candidates(self, view: RequestView) -> tuple[list[Candidate], str | None]:
        """The rules to try, in order, honouring the scenario header (hold the lock)."""
        order = self._order
        if order is None:
            order = [(ADDED, rule, None) for rule in self._added]
            for scenario in self._scenarios:
                order.extend((scenario.name, rule, scenario) for rule in scenario.rules)
            self._order = order
        wanted = view.scenario
        if wanted is None:
            return order, None
        names = [s.name for s in self._scenarios]
        if wanted not in names:
            loaded = ", ".join(repr(n) for n in names) or "none"
            problem = (
                f"the request names scenario {wanted!r} (X-Fakeopenai-Scenario), "
                f"which is not loaded (loaded: {loaded})"
            )
            return [c for c in order if c[2] is None], problem
        return [c for c in order if c[2] is None or c[0] == wanted], None

    def _scenario(self, name: str) -> LoadedScenario | None:
        for scenario in self._scenarios:
            if scenario.name == name:
                return scenario
        return None

    def pick(self, view: RequestView) -> Decision:
        """Choose the reply for ``view``; count the step of a sequence rule. Its regex
        searches share one budget (``budgets.regex.REQUEST_BUDGET``)."""
        with self._lock:
            if not self._scenarios and not self._added:
                return Decision(reply=Reply(), seed=self.seed)  # the embedded default
            budget = regex_left.set([REQUEST_BUDGET])
            try:
                candidates, problem = self._candidates(view)
                for name, rule, scenario in candidates:
                    if matches(rule.match, view):
                        return self._answer(name, rule, scenario, view)
                return Decision(reply=None, miss=self._explain_miss(view, candidates, problem))
            finally:
                regex_left.reset(budget)

    def _answer(
        self, name: str, rule: LoadedRule, scenario: LoadedScenario | None, view: RequestView
    ) -> Decision:
        seed = scenario.seed if scenario and scenario.seed is not None else self.seed
        key = (view.session, name, rule.index)
        count = self._counters.get(key, 0)
        self._counters[key] = count + 1
        hit = (name, rule.index)
        self.hits[hit] = self.hits.get(hit, 0) + 1
        replies = rule.replies
        if count < len(replies):
            step = count
        elif rule.then == "cycle":
            step = count % len(replies)
        elif rule.then == "error":
            return Decision(None, scenario, rule, count, exhausted=True, seed=seed)
        else:
            step = len(replies) - 1
        reply = replies[step]
        chaos = self._chaos(scenario, rule, count, view, reply=reply, seed=seed)
        if chaos is not None:
            return Decision(
                chaos, scenario, rule, step if rule.sequence else None, chaos=True, seed=seed
            )
        return Decision(reply, scenario, rule, step if rule.sequence else None, seed=seed)

    def _chaos(
        self,
        scenario: LoadedScenario | None,
        rule: LoadedRule,
        count: int,
        view: RequestView,
        *,
        reply: Reply,
        seed: int | None,
    ) -> Reply | None:
        """A seeded chaos reply for this request, or None (see ``fakeopenai.chaos``)."""
        spec = rule.chaos or (scenario.chaos if scenario else None)
        if spec is None:
            return None
        from fakeopenai.chaos import chaos_reply

        owner = f"{scenario.name if scenario else ADDED}/{rule.name}"
        return chaos_reply(spec, owner, count, stream=view.stream, seed=seed, base=reply)

    def _explain_miss(
        self, view: RequestView, candidates: list[Candidate], problem: str | None
    ) -> str:
        """Why nothing matched: up to three closest rules, best first (``ranking``),
        each with the conditions it failed."""
        from fakeopenai.ranking import closest

        head = f"fakeopenai: no rule matched this {describe(view)}"
        if problem:
            return f"{head}: {problem}."
        ranked = closest(((c[1].match, c) for c in candidates), view)
        if not ranked:
            return f"{head}: no rules are loaded."
        described = []
        for (name, rule, _), failures in ranked:
            scenario = self._scenario(name)
            where = f"{scenario.source}:{rule.line}" if scenario and rule.line else name
            described.append(
                f"{rule.name!r} in scenario {name!r} ({where}), which failed on: "
                + "; ".join(failures)
            )
        if len(described) == 1:
            closest_text = f"Closest rule: {described[0]}"
        else:
            numbered = " ".join(f"({n}) {text}." for n, text in enumerate(described, 1))
            closest_text = f"Closest rules, best first: {numbered[:-1]}"
        return f"{head}. {closest_text}. Fix the request or add a rule that matches it."


def exhausted_error(decision: Decision) -> ErrorSpec:
    """The 404 a ``then: error`` sequence gives once every reply was used."""
    rule = decision.rule.name if decision.rule else "?"
    count = len(decision.rule.replies) if decision.rule else 0
    return ErrorSpec(
        status=404,
        type="fakeopenai_sequence_exhausted",
        code="sequence_exhausted",
        message=(
            f"fakeopenai: rule {rule!r} has used all {count} of its replies and says "
            "then: error. Use then: repeat or cycle, add replies, or reset the fake."
        ),
    )
