"""What the consume loop learns from a rebalance: partitions handed to this member, or taken from it."""
from __future__ import annotations

from kafka import TopicPartition

from shared.consume import _Assignments

PARTITIONS = [TopicPartition("needs.v1", 0), TopicPartition("offers.v1", 0)]


def rebalance(listener: _Assignments, assigned: list[TopicPartition]) -> None:
    listener.on_partitions_revoked(list(listener.current or ()))
    listener.on_partitions_assigned(assigned)


def test_a_member_handed_partitions_prepares_for_them():
    listener = _Assignments()
    rebalance(listener, PARTITIONS)
    assert listener.fresh.is_set() and not listener.released.is_set()


def test_a_member_that_never_held_partitions_has_nothing_to_let_go():
    listener = _Assignments()
    rebalance(listener, [])
    rebalance(listener, [])
    assert not listener.fresh.is_set() and not listener.released.is_set()


def test_a_member_whose_partitions_go_to_another_lets_their_state_go():
    listener = _Assignments()
    rebalance(listener, PARTITIONS)
    listener.fresh.clear()
    rebalance(listener, [])
    assert listener.released.is_set() and listener.current == frozenset()


def test_partitions_handed_back_before_the_loop_saw_them_go_are_only_prepared_for():
    listener = _Assignments()
    rebalance(listener, PARTITIONS)
    rebalance(listener, [])
    rebalance(listener, PARTITIONS)
    assert listener.fresh.is_set() and not listener.released.is_set()
