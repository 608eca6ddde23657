"""Recognizers, samples and models: the Store, the only class that speaks SQL.

Every public method is one short transaction on the dialect (SQLite or PostgreSQL); the
methods live by table: recognizers.py, samples.py, and the models here. Writers that change a
recognizer's samples lock its row first (the revision bump), so on PostgreSQL they take turns
per recognizer and always lock in the same order (no deadlocks), and the limits are counted
and enforced in the transaction that writes.
"""

import json
from pathlib import Path
from typing import Any

from app.clock import now
from app.store.base import Dialect
from app.store.dialects import dialect_for
from app.store.migrations import migrate
from app.store.recognizers import Recognizers
from app.store.records import Model, ModelFacts, NotFound, dumps, facts_of
from app.store.samples import Samples

DEFAULT_MAX_SAMPLES = 5000
DEFAULT_MAX_RECOGNIZERS = 200


class Store(Recognizers, Samples):
    """Thread-safe access to one database: a SQLite file (a Path, or "sqlite:///path") or a
    PostgreSQL database ("postgresql://user:password@host:port/db").

    `max_samples` per recognizer and `max_recognizers` in all (HWR_MAX_SAMPLES and
    HWR_MAX_RECOGNIZERS) keep any client from filling the disk: a write past them raises
    LimitReached and stores nothing.
    """

    def __init__(
        self,
        target: Path | str | Dialect,
        *,
        max_samples: int = DEFAULT_MAX_SAMPLES,
        max_recognizers: int = DEFAULT_MAX_RECOGNIZERS,
    ) -> None:
        self._db = target if isinstance(target, Dialect) else dialect_for(target)
        self.where = self._db.where  # the database, for messages
        self.backend = self._db.name
        self.max_samples = max_samples
        self.max_recognizers = max_recognizers
        try:
            migrate(self._db)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def check_integrity(self) -> list[str]:
        """["ok"] when the database is intact (SQLite: PRAGMA integrity_check rows)."""
        return self._db.check_integrity()

    # --- models --------------------------------------------------------------------------

    def save_model(
        self,
        name: str,
        document: dict[str, Any],
        labels: list[str],
        iterations: int,
        mse: float | None,
        revision: int,
        created_at: str | None = None,
        replay: list[dict[str, Any]] | None = None,
        fingerprint: int | None = None,
    ) -> Model:
        """Replace the recognizer's model, and its recording (none for an imported model), in
        one transaction (NotFound if it was deleted; with `created_at`, also if it was deleted
        and another of that name created since). `fingerprint`: of the samples it was
        trained on (None: the recognizer's samples as they are now). How a shutdown ended the
        last training is forgotten: it was about the model replaced."""
        trained_at, document_json, labels_json = now(), dumps(document), dumps(labels)
        replay_json = None if replay is None else dumps(replay)
        facts_json = dumps(facts_of(document))
        with self._write() as tx:
            found = self._recognizer(tx, name, self._db.for_key_share)  # kept until we commit
            if created_at is not None and found.created_at != created_at:
                raise NotFound(f"recognizer '{name}' was deleted (another of that name exists)")
            if fingerprint is None:
                fingerprint = found.fingerprint
            tx.execute(
                "INSERT INTO models (recognizer, labels, iterations, mse, trained_at, revision,"
                " fingerprint, facts) VALUES (?,?,?,?,?,?,?,?)"
                " ON CONFLICT (recognizer) DO UPDATE SET labels = excluded.labels,"
                " iterations = excluded.iterations, mse = excluded.mse,"
                " trained_at = excluded.trained_at, revision = excluded.revision,"
                " fingerprint = excluded.fingerprint, facts = excluded.facts",
                (name, labels_json, iterations, mse, trained_at, revision, fingerprint, facts_json),
            )
            tx.execute(
                "INSERT INTO model_documents (recognizer, document, replay) VALUES (?,?,?)"
                " ON CONFLICT (recognizer) DO UPDATE SET document = excluded.document,"
                " replay = excluded.replay",
                (name, document_json, replay_json),
            )
            tx.execute("UPDATE recognizers SET training_ending = NULL WHERE name = ?", (name,))
        return Model(
            recognizer=name,
            labels=list(labels),
            iterations=iterations,
            mse=mse,
            trained_at=trained_at,
            revision=revision,
            fingerprint=fingerprint,
            facts=facts_json,
            document=document,
        )

    def get_replay(self, name: str) -> list[dict[str, Any]] | None:
        """The frames recorded with the recognizer's model; None without a model or a
        recording (an imported model, one trained before recordings)."""
        with self._read() as tx:
            sql = "SELECT replay FROM model_documents WHERE recognizer = ?"
            row = tx.execute(sql, (name,)).fetchone()
        if row is None or row[0] is None:
            return None
        frames: list[dict[str, Any]] = json.loads(row[0])
        return frames

    def get_model_facts(self, name: str) -> ModelFacts | None:
        """What summaries show of the recognizer's model, without reading its document; None
        when it has none (or does not exist)."""
        with self._read() as tx:
            row = tx.execute(_MODEL_FACTS + " WHERE recognizer = ?", (name,)).fetchone()
        return None if row is None else ModelFacts(**_fields(name, row))

    def get_model(self, name: str) -> Model | None:
        """The recognizer's model with its document, or None when it has none (or does not
        exist)."""
        with self._read() as tx:
            row = tx.execute(_MODEL_FACTS + " WHERE recognizer = ?", (name,)).fetchone()
            sql = "SELECT document FROM model_documents WHERE recognizer = ?"
            doc = None if row is None else tx.execute(sql, (name,)).fetchone()
        if row is None or doc is None:
            return None
        return Model(**_fields(name, row), document=json.loads(doc[0]))


_MODEL_FACTS = (
    "SELECT labels, iterations, mse, trained_at, revision, fingerprint, facts FROM models"
)


def _fields(name: str, row: tuple[Any, ...]) -> dict[str, Any]:
    """ModelFacts' fields from a row of _MODEL_FACTS."""
    labels, iterations, mse, trained_at, revision, fingerprint, facts = row
    return {
        "recognizer": name,
        "labels": json.loads(labels),
        "iterations": iterations,
        "mse": mse,
        "trained_at": trained_at,
        "revision": revision,
        "fingerprint": fingerprint,
        "facts": facts,
    }
