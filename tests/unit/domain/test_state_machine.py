"""The order state machine: the table, its terminal states, and walks over the graph."""

from __future__ import annotations

from itertools import pairwise, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.orders import (
    RESERVING_STATES,
    TERMINAL_STATES,
    VENUE_STATES,
    OrderState,
)
from gateway.domain.state_machine import (
    TRANSITIONS,
    IllegalTransition,
    can_transition,
    check_transition,
)

S = OrderState

# Written out from the diagram in state_machine.py, independently of TRANSITIONS.
LEGAL: frozenset[tuple[OrderState, OrderState]] = frozenset(
    {
        (S.PROPOSED, S.REJECTED),
        (S.PROPOSED, S.PENDING_APPROVAL),
        (S.PENDING_APPROVAL, S.APPROVED),
        (S.PENDING_APPROVAL, S.DENIED),
        (S.PENDING_APPROVAL, S.EXPIRED),
        (S.PENDING_APPROVAL, S.CANCELLED),
        (S.APPROVED, S.SENDING),
        (S.APPROVED, S.CANCELLED),
        (S.APPROVED, S.FAILED),  # the re-check at send refused it
        (S.SENDING, S.SUBMITTED),
        (S.SENDING, S.PARTIALLY_FILLED),  # the venue's first answer can already be a fill
        (S.SENDING, S.FILLED),
        (S.SENDING, S.CANCELLED),
        (S.SENDING, S.FAILED),  # venue refused
        (S.SENDING, S.APPROVED),  # venue never saw it; resend with the same client id
        (S.SUBMITTED, S.PARTIALLY_FILLED),
        (S.SUBMITTED, S.FILLED),
        (S.SUBMITTED, S.CANCELLED),
        (S.PARTIALLY_FILLED, S.PARTIALLY_FILLED),  # another partial fill
        (S.PARTIALLY_FILLED, S.FILLED),
        (S.PARTIALLY_FILLED, S.CANCELLED),
    }
)
ALL_PAIRS = list(product(OrderState, OrderState))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def _id(pair: tuple[OrderState, OrderState]) -> str:
    return f"{pair[0].value}->{pair[1].value}"


@pytest.mark.parametrize("pair", sorted(LEGAL), ids=_id)
def test_a_legal_transition_is_allowed(pair: tuple[OrderState, OrderState]) -> None:
    current, target = pair

    assert can_transition(current, target)
    check_transition("o-1", current, target)  # does not raise


@pytest.mark.parametrize("pair", ILLEGAL, ids=_id)
def test_an_illegal_transition_is_refused_naming_the_order_and_both_states(
    pair: tuple[OrderState, OrderState],
) -> None:
    current, target = pair
    assert not can_transition(current, target)

    with pytest.raises(IllegalTransition) as excinfo:
        check_transition("o-42", current, target)

    err = excinfo.value
    assert (err.order_id, err.current, err.target) == ("o-42", current, target)
    assert str(err) == f"order o-42 is {current.value}; it cannot become {target.value}"


def test_the_transition_table_has_exactly_the_diagrams_edges() -> None:
    table = {(src, dst) for src, targets in TRANSITIONS.items() for dst in targets}

    assert set(TRANSITIONS) == set(OrderState)
    assert table == LEGAL


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES), ids=str)
def test_a_terminal_state_has_no_exits(state: OrderState) -> None:
    assert state.is_terminal
    assert TRANSITIONS[state] == frozenset()
    assert not any(can_transition(state, target) for target in OrderState)


def test_the_terminal_states_are_exactly_the_states_without_exits() -> None:
    assert {s for s in OrderState if not TRANSITIONS[s]} == TERMINAL_STATES
    assert {S.REJECTED, S.DENIED, S.EXPIRED, S.FILLED, S.CANCELLED, S.FAILED} == TERMINAL_STATES


def _reachable(start: OrderState) -> set[OrderState]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_state_is_reachable_from_proposed() -> None:
    assert _reachable(S.PROPOSED) == set(OrderState)


@pytest.mark.parametrize("state", sorted(set(OrderState) - TERMINAL_STATES), ids=str)
def test_every_live_state_can_still_reach_an_end(state: OrderState) -> None:
    assert _reachable(state) & TERMINAL_STATES


def test_nothing_leads_back_to_proposed_or_pending_approval_once_approved() -> None:
    assert S.PROPOSED not in _reachable(S.PENDING_APPROVAL)
    assert S.PENDING_APPROVAL not in _reachable(S.APPROVED)


def test_reserving_states_are_the_live_states_after_proposal() -> None:
    live = set(OrderState) - TERMINAL_STATES - {S.PROPOSED}

    assert live == RESERVING_STATES
    assert all(s.reserves_exposure for s in RESERVING_STATES)
    assert not any(s.reserves_exposure for s in TERMINAL_STATES | {S.PROPOSED})
    assert {S.SENDING, S.SUBMITTED, S.PARTIALLY_FILLED} == VENUE_STATES
    assert VENUE_STATES <= RESERVING_STATES


# --- random walks ----------------------------------------------------------------------------

MAX_STEPS = 40
NEXT = {s: st.sampled_from(sorted(TRANSITIONS[s])) for s in OrderState if TRANSITIONS[s]}
STRAY = {s: st.sampled_from(sorted(set(OrderState) - TRANSITIONS[s])) for s in OrderState}


@st.composite
def walks(draw: st.DrawFn) -> list[OrderState]:
    """A path from PROPOSED following legal edges, until terminal or MAX_STEPS."""
    path = [S.PROPOSED]
    while not path[-1].is_terminal and len(path) < MAX_STEPS:
        path.append(draw(NEXT[path[-1]]))
    return path


@settings(max_examples=150, deadline=None)
@given(walks(), st.data())
def test_random_walks_never_leave_the_graph(path: list[OrderState], data: st.DataObject) -> None:
    for current, target in pairwise(path):
        check_transition("o-1", current, target)
        stray = data.draw(STRAY[current])
        with pytest.raises(IllegalTransition):
            check_transition("o-1", current, stray)


@settings(max_examples=150, deadline=None)
@given(walks())
def test_every_path_passes_through_the_states_the_diagram_requires(
    path: list[OrderState],
) -> None:
    # Assert: each edge into SENDING comes from APPROVED, itself only after PENDING_APPROVAL.
    for i, state in enumerate(path):
        if state is S.SENDING:
            assert path[i - 1] is S.APPROVED
        if state is S.APPROVED:
            assert S.PENDING_APPROVAL in path[:i]
        if state in (S.SUBMITTED, S.PARTIALLY_FILLED, S.FILLED):
            assert S.SENDING in path[:i]  # nothing fills without having been sent

    end = path[-1]
    if not end.is_terminal:
        return
    before = path[-2]
    expected_predecessors = {
        S.REJECTED: {S.PROPOSED},
        S.DENIED: {S.PENDING_APPROVAL},
        S.EXPIRED: {S.PENDING_APPROVAL},
        S.FAILED: {S.APPROVED, S.SENDING},
        S.FILLED: {S.SENDING, S.SUBMITTED, S.PARTIALLY_FILLED},
        S.CANCELLED: {S.PENDING_APPROVAL, S.APPROVED, S.SENDING, S.SUBMITTED, S.PARTIALLY_FILLED},
    }
    assert before in expected_predecessors[end]
    if end is S.REJECTED:
        assert path == [S.PROPOSED, S.REJECTED]
    else:
        assert path[1] is S.PENDING_APPROVAL  # everything else waited for a human
    if end is S.FILLED:
        assert S.APPROVED in path and S.SENDING in path
    # A terminal state is the end of the path: nothing follows it.
    assert all(not s.is_terminal for s in path[:-1])
