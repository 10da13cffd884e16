"""The shortcuts kept for speed, each giving what the plain code would give, faster: `make
bench-speedups` measures each against the plain code (BENCHMARKS.md, "Speed shortcuts"); take one out
when it no longer pays. Matching and validation both use it; it needs no Django settings."""

from __future__ import annotations

import gc
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, NamedTuple, TypeVar

from django.db.models import Model
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off for one batch of validation: a batch makes hundreds of thousands of
    short-lived objects, none in a reference cycle, which reference counting frees; the collections
    they would start find nothing. A cycle made meanwhile is collected after the batch."""
    if not gc.isenabled():  # already paused (a caller's batch) or switched off by the process
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class PairTable(dict):
    """Answers for pairs of names, all forgotten once `size` are held. For a question asked mostly
    about pairs not seen before, where lru_cache's bookkeeping costs more than the answer."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, pair: Hashable, answer: bool) -> bool:
        if len(self) >= self.size:
            self.clear()
        self[pair] = answer
        return answer


def model_from_row(model: type[M], row: NamedTuple) -> M:
    """`model(**row._asdict())` without Model.__init__ (a tenth of a batch's CPU for the voters a
    decision names): built the way the ORM unpickles an instance, the class's __new__ then its
    __dict__, every field not in the row at its default. The row's fields are the model's."""
    instance = model.__new__(model)
    state = instance.__dict__
    state.update(_defaults(model))
    state.update(zip(row._fields, row))
    state["_state"] = ModelState()
    return instance


@cache
def _defaults(model: type[Model]) -> dict[str, Any]:
    return {field.attname: field.get_default() for field in model._meta.concrete_fields}
