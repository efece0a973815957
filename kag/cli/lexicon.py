"""``kag lexicon ...``: build, inspect, edit and try relation lexicons.

A relation lexicon (see :mod:`ingestion.relations.lexicon`) drives the learned relation finder.
Experts build one from labelled sentences, read what it learned, and adjust it: thresholds,
known values, feature weights. ``kag lexicon try`` shows what the finder makes of a sentence.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from graph_schema import GraphSchema
from ingestion.relations.lexicon import (
    RelationLexicon,
    load_lexicon,
    save_lexicon,
    top_weights,
)
from kag.cli.common import JsonOption, console, err_console, run
from kag.errors import InvalidInput
from kag.settings import Settings, get_settings
from kag.store import load_schema

if TYPE_CHECKING:
    from spacy.language import Language

lexicon_app = typer.Typer(help="Relation lexicons of the learned relation finder.")

LexiconArg = Annotated[Path, typer.Argument(help="The lexicon JSON file.")]
OntologyOption = Annotated[
    Path | None,
    typer.Option("--ontology", help="Ontology JSON (default: KAG_ONTOLOGY or the shipped one)."),
]
RelationArg = Annotated[str, typer.Argument(help="Relation type, e.g. DIRECTOR.")]


def _schema(ontology: Path | None) -> GraphSchema:
    settings = get_settings()
    if ontology is not None:
        settings = settings.model_copy(update={"ontology": ontology})
    return load_schema(settings)


def load_nlp(settings: Settings) -> Language:
    """The spaCy pipeline ingestion uses (``KAG_INGESTION__SPACY_MODEL``, else the official small
    English model, else its pinned re-upload)."""
    from ingestion.nlp.model import load_model

    return load_model(settings.ingestion.spacy_model)


@lexicon_app.command("build")
def build(
    train: Annotated[
        Path, typer.Option("--train", help="Labelled JSONL file, or a folder holding one.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the lexicon.")],
    ontology: OntologyOption = None,
    threshold: Annotated[
        float | None, typer.Option(help="Probability a triple needs (all relations).")
    ] = None,
    max_per_sentence: Annotated[
        int | None, typer.Option(help="Objects per relation and sentence, at most.")
    ] = None,
) -> None:
    """Build a lexicon from labelled sentences (Text2KGBench train format)."""
    from ingestion.relations.labelled import read_labelled, training_files
    from ingestion.relations.training import BuildOptions, build_lexicon

    def work() -> None:
        schema = _schema(ontology)
        files = training_files(train, schema)
        sentences = read_labelled(files, schema)
        updates: dict[str, object] = {}
        if threshold is not None:
            updates["relation_threshold"] = threshold
        if max_per_sentence is not None:
            updates["max_per_sentence"] = max_per_sentence
        options = BuildOptions().model_copy(update=updates)
        nlp = load_nlp(get_settings())
        lexicon = build_lexicon(
            sentences,
            schema,
            nlp,
            options,
            sources=[str(f) for f in files],
            progress=lambda msg: err_console.print(f"[dim]{msg}[/]"),
        )
        save_lexicon(lexicon, output)
        trained = sum(1 for e in lexicon.relations.values() if e.examples)
        console.print(
            f"wrote {output}: {len(sentences)} sentences, {lexicon.provenance.triples} triples, "
            f"{trained} of {len(lexicon.relations)} relation types with examples"
        )

    run(work)


@lexicon_app.command("check")
def check(lexicon: LexiconArg, ontology: OntologyOption = None) -> None:
    """Check that a lexicon is valid and fits the ontology."""

    def work() -> None:
        lex = load_lexicon(lexicon)
        lex.check_against(_schema(ontology))
        console.print(f"{lexicon}: valid for ontology {lex.ontology} ({len(lex.relations)} types)")

    run(work)


def _summary(lex: RelationLexicon) -> Table:
    table = Table("relation", "examples", "threshold", "label freq.", "values", "top triggers")
    for name, entry in sorted(lex.relations.items()):
        triggers = ", ".join(list(entry.triggers)[:4])
        table.add_row(
            name,
            str(entry.examples),
            f"{entry.threshold:.2f}",
            f"{entry.label_frequency:.2f}",
            str(len(entry.values)),
            triggers,
        )
    return table


@lexicon_app.command("show")
def show(
    lexicon: LexiconArg,
    relation: Annotated[
        str | None, typer.Option("--relation", "-r", help="Show one relation in detail.")
    ] = None,
    top: Annotated[int, typer.Option(help="Rows per list.")] = 15,
    as_json: JsonOption = False,
) -> None:
    """Show what a lexicon knows: per relation, or one relation in detail."""

    def work() -> None:
        lex = load_lexicon(lexicon)
        if relation is None:
            if as_json:
                summary = {
                    n: {"examples": e.examples, "threshold": e.threshold, "values": len(e.values)}
                    for n, e in lex.relations.items()
                }
                typer.echo(json.dumps({"ontology": lex.ontology, "relations": summary}, indent=2))
                return
            console.print(
                f"lexicon for {lex.ontology}: {lex.provenance.sentences} sentences from "
                f"{', '.join(lex.provenance.sources) or 'unknown sources'}; subject threshold "
                f"{lex.subject.threshold:.2f}"
            )
            console.print(_summary(lex))
            return
        entry = lex.relation(relation)
        detail = {
            "label": entry.label,
            "threshold": entry.threshold,
            "max_per_sentence": entry.max_per_sentence,
            "label_frequency": entry.label_frequency,
            "top_weights": top_weights(entry.weights, top),
            "triggers": dict(list(entry.triggers.items())[:top]),
            "paths": dict(list(entry.paths.items())[:top]),
            "object_kinds": dict(list(entry.object_kinds.items())[:top]),
            "values": dict(list(entry.values.items())[:top]),
        }
        if as_json:
            typer.echo(json.dumps(detail, indent=2, ensure_ascii=False))
            return
        console.print(f"[bold]{relation}[/] ({entry.label}), {entry.examples} training triples")
        for key, value in detail.items():
            console.print(f"[bold]{key}[/]: {value}", highlight=False)

    run(work)


@lexicon_app.command("set")
def set_(
    lexicon: LexiconArg,
    relation: Annotated[
        str | None, typer.Option("--relation", "-r", help="Relation to change (default: all).")
    ] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
    max_per_sentence: Annotated[int | None, typer.Option(min=1)] = None,
    subject_threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
) -> None:
    """Change thresholds and limits of one relation, all relations, or the subject chooser."""

    def work() -> None:
        lex = load_lexicon(lexicon)
        names = [relation] if relation else sorted(lex.relations)
        updates: dict[str, object] = {}
        if threshold is not None:
            updates["threshold"] = threshold
        if max_per_sentence is not None:
            updates["max_per_sentence"] = max_per_sentence
        relations = dict(lex.relations)
        for name in names:
            relations[name] = lex.relation(name).model_copy(update=updates)
        subject = lex.subject
        if subject_threshold is not None:
            subject = subject.model_copy(update={"threshold": subject_threshold})
        save_lexicon(lex.model_copy(update={"relations": relations, "subject": subject}), lexicon)
        console.print(f"updated {len(names) if updates else 0} relation(s) in {lexicon}")

    run(work)


@lexicon_app.command("value")
def value(
    lexicon: LexiconArg,
    relation: RelationArg,
    surface: Annotated[str, typer.Argument(help="How the value is written in text.")],
    as_: Annotated[
        str | None, typer.Option("--as", help="The value to emit (default: the surface).")
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Forget the value.")] = False,
) -> None:
    """Teach (or forget) a known object value of a relation, e.g. a genre or a rank."""

    def work() -> None:
        lex = load_lexicon(lexicon)
        entry = lex.relation(relation)
        values = dict(entry.values)
        key = surface.strip().lower()
        if not key:
            raise InvalidInput("the value's surface text is empty")
        if remove:
            if key not in values:
                raise InvalidInput(f"{relation} has no known value {surface!r}")
            del values[key]
        else:
            values[key] = (as_ or surface).strip()
        relations = dict(lex.relations) | {relation: entry.model_copy(update={"values": values})}
        save_lexicon(lex.model_copy(update={"relations": relations}), lexicon)
        console.print(f"{relation}: {len(values)} known values")

    run(work)


@lexicon_app.command("weight")
def weight(
    lexicon: LexiconArg,
    relation: Annotated[str, typer.Argument(help="Relation type, or 'subject'.")],
    feature: Annotated[str, typer.Argument(help="Feature name, e.g. gov=direct.")],
    new_weight: Annotated[float | None, typer.Argument(help="New weight.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Drop the feature.")] = False,
) -> None:
    """Show, set or remove one feature weight (e.g. make "gov=direct" count more)."""

    def work() -> None:
        lex = load_lexicon(lexicon)
        target = lex.subject if relation == "subject" else lex.relation(relation)
        weights = dict(target.weights)
        if new_weight is None and not remove:
            console.print(f"{relation} {feature}: {weights.get(feature, 0.0)}")
            return
        if remove:
            weights.pop(feature, None)
        else:
            weights[feature] = float(new_weight or 0.0)
        changed = target.model_copy(update={"weights": weights})
        if relation == "subject":
            lex = lex.model_copy(update={"subject": changed})
        else:
            lex = lex.model_copy(update={"relations": dict(lex.relations) | {relation: changed}})
        save_lexicon(lex, lexicon)
        console.print(f"{relation} {feature}: {weights.get(feature, 0.0)}")

    run(work)


@lexicon_app.command("try")
def try_(
    lexicon: LexiconArg,
    text: Annotated[str, typer.Argument(help="A sentence (or a few).")],
    ontology: OntologyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the learned finder on some text and print the triples it finds."""
    from ingestion.relations.base import SentenceContext
    from ingestion.relations.learned import LearnedRelationFinder

    def work() -> None:
        schema = _schema(ontology)
        finder = LearnedRelationFinder(load_lexicon(lexicon), schema)
        doc = load_nlp(get_settings())(text)
        context = SentenceContext(graph_schema=schema)
        found = [c for sent in doc.sents for c in finder.find(sent, [], context)]
        if as_json:
            typer.echo(json.dumps([c.model_dump(mode="json") for c in found], indent=2))
            return
        table = Table("subject", "relation", "object", "confidence")
        for c in found:
            table.add_row(c.subject.name, c.predicate, c.object.name, f"{c.confidence:.2f}")
        console.print(table if found else "no relation found")

    run(work)


def register(app: typer.Typer) -> None:
    """Add these commands to the ``kag`` app."""
    app.add_typer(lexicon_app, name="lexicon")
