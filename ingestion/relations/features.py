"""Named, human-readable features of candidate subjects and (subject, object) pairs.

The learned finder scores candidates with linear models whose weights live in the relation
lexicon, keyed by these feature names (``gov=direct``, ``prep=by``, ``ner=PERSON``), so an expert
reading or editing a lexicon sees the same vocabulary. Changing a feature's name or meaning
invalidates lexicons built before; bump :data:`FEATURES_VERSION` when doing so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ingestion.relations.spans import QUOTES, CandidateSpan

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

FEATURES_VERSION: Final = 2
MAX_PATH_HOPS: Final = 6
MAX_BETWEEN_TOKENS: Final = 10
_CONTENT_POS: Final = frozenset({"VERB", "AUX", "ADP", "NOUN", "PROPN", "ADJ"})
_CLIMB_DEPS: Final = frozenset({"conj", "appos", "compound", "flat", "nmod"})


def _bucket(value: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if value <= edge:
            return f"<={edge}"
    return f">{edges[-1]}"


def shape(text: str) -> str:
    """A coarse shape of a span's text: ``year``, ``number``, ``lower``, ``title``, ``upper``."""
    stripped = text.strip()
    if stripped.isdigit():
        return "year" if len(stripped) == 4 else "number"
    letters = [ch for ch in stripped if ch.isalpha()]
    if not letters:
        return "other"
    if all(ch.islower() for ch in letters):
        return "lower"
    if all(ch.isupper() for ch in letters):
        return "upper"
    return "title" if stripped[0].isupper() else "mixed"


def _root(sent: SpacySpan, cand: CandidateSpan) -> Token:
    return sent.doc[cand.start : cand.end].root


def governor(token: Token) -> tuple[str, str, Token]:
    """Climb from a span's root through lists and compounds to the word that governs it.

    Returns:
        ``(dependency label, preposition or "", governing token)``; for "directed by Noriyuki
        Abe" and the token "Abe": ``("pobj", "by", directed)``.
    """
    current = token
    hops = 0
    while current.dep_ in _CLIMB_DEPS and current.head is not current and hops < 6:
        current = current.head
        hops += 1
    dep = current.dep_
    prep = ""
    head = current.head
    if head.pos_ == "ADP" or dep in {"pobj", "pcomp"}:
        prep = head.lower_
        dep = f"{head.dep_}>{dep}"
        head = head.head
    return dep, prep, head


def sentence_class(sent: SpacySpan) -> str:
    """The noun a definitional sentence classifies its topic with ("film" in "X is a 1984
    Japanese film"), or ``""``."""
    for token in sent:
        if token.dep_ == "attr" and token.head.lemma_ == "be" and token.pos_ in {"NOUN", "PROPN"}:
            return word(token)
    return ""


def dependency_path(a: Token, b: Token, *, lexical: bool = False) -> str:
    """The dependency path between two tokens, with the lemma of the word joining them (and,
    with ``lexical``, of every word on the way)."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    ids_b = {t.i: n for n, t in enumerate(up_b)}
    for n, token in enumerate(up_a):
        if token.i in ids_b:
            common, m = n, ids_b[token.i]
            break
    else:
        return "none"
    if common + m > MAX_PATH_HOPS:
        return "long"
    parts = [
        f"^{t.dep_}" + (f":{word(t)}" if lexical and n else "") for n, t in enumerate(up_a[:common])
    ]
    top = up_a[common]
    parts.append(word(top) if top.pos_ in _CONTENT_POS else top.pos_)
    ups = list(reversed(up_b[:m]))
    parts.extend(
        f"v{t.dep_}" + (f":{word(t)}" if lexical and n < m - 1 else "") for n, t in enumerate(ups)
    )
    return " ".join(parts)


def word(token: Token) -> str:
    """A token as a feature value: its lemma, but a class for names and numbers.

    Names and numbers are left out on purpose: a scorer that learns "Shinkai" directs films
    has memorised its training data rather than learned how direction is written.
    """
    if token.pos_ == "PROPN":
        return "PROPN"
    if token.like_num:
        return "NUM"
    return token.lemma_.lower()


def _context_words(sent: SpacySpan, start: int, end: int) -> list[str]:
    doc = sent.doc
    out: list[str] = []
    for offset, name in ((-1, "left1"), (-2, "left2"), (-3, "left3")):
        i = start + offset
        if i >= sent.start:
            out.append(f"{name}={word(doc[i])}")
    for offset, name in ((0, "right1"), (1, "right2")):
        i = end + offset
        if i < sent.end:
            out.append(f"{name}={word(doc[i])}")
    return out


def span_features(sent: SpacySpan, cand: CandidateSpan, prefix: str) -> list[str]:
    """Features of a candidate on its own (sources, entity type, shape, syntax, neighbours)."""
    doc = sent.doc
    root = _root(sent, cand)
    dep, prep, head = governor(root)
    words = cand.end - cand.start
    feats = [f"src={s}" for s in sorted(cand.sources)]
    feats += [
        f"ner={cand.ner or 'none'}",
        f"shape={shape(cand.text)}",
        f"len={_bucket(words, (1, 2, 3, 5, 8))}",
        f"dep={dep}",
        f"prep={prep or 'none'}",
        f"gov={word(head)}",
        f"gov+prep={word(head)}+{prep or 'none'}",
        f"gov+ner={word(head)}+{cand.ner or 'none'}",
        f"headpos={root.pos_}",
        f"head={word(root)}" if words <= 3 else "head=long",
        f"pos={_bucket(cand.start - sent.start, (0, 1, 3, 6, 12, 20))}",
    ]
    if cand.value and cand.value != cand.text:
        feats.append("normalised")
    if cand.start > sent.start and doc[cand.start - 1].text in QUOTES:
        feats.append("quoted")
    if cand.start == sent.start or (
        cand.start == sent.start + 1 and doc[sent.start].text in QUOTES
    ):
        feats.append("at_start")
    if _in_parentheses(sent, cand.start):
        feats.append("in_parens")
    context = _context_words(sent, cand.start, cand.end)
    feats += context
    if context and context[0].startswith("left1="):
        feats.append(f"{context[0]}+{cand.ner or 'none'}")
    feats.append(f"gov+prep+ner={word(head)}+{prep or 'none'}+{cand.ner or 'none'}")
    return [f"{prefix}{f}" for f in feats]


def _in_parentheses(sent: SpacySpan, start: int) -> bool:
    depth = 0
    for token in sent.doc[sent.start : start]:
        if token.text == "(":
            depth += 1
        elif token.text == ")" and depth:
            depth -= 1
    return depth > 0


def subject_features(sent: SpacySpan, cand: CandidateSpan, klass: str) -> list[str]:
    """Features of a candidate as the sentence's subject (the topic the sentence is about)."""
    feats = span_features(sent, cand, "")
    feats.append(f"class={klass or 'none'}")
    doc = sent.doc
    if cand.end < sent.end:
        feats.append(f"next={word(doc[cand.end])}")
    if cand.start > sent.start:
        feats.append(f"prev={word(doc[cand.start - 1])}")
    if doc[cand.start].lower_ == "the":
        feats.append("starts_the")
    if ":" in cand.text:
        feats.append("has_colon")
    root = _root(sent, cand)
    if root.dep_ in {"nsubj", "nsubjpass"} and root.head.dep_ == "ROOT":
        feats.append("subject_of_root")
    if cand.start + 1 < sent.end and cand.end + 1 < sent.end:
        feats.append(f"next2={word(doc[cand.end])}+{word(doc[cand.end + 1])}")
    return feats


def pair_features(
    sent: SpacySpan, subject: CandidateSpan, obj: CandidateSpan, klass: str
) -> list[str]:
    """Features of ``obj`` as the object of a relation whose subject is ``subject``."""
    doc = sent.doc
    feats = span_features(sent, obj, "")
    for name in sorted(obj.sources):
        feats.append(f"src+class={name}+{klass or 'none'}")
    feats.append(f"class={klass or 'none'}")
    feats.append(f"subj.ner={subject.ner or 'none'}")
    s_root, o_root = _root(sent, subject), _root(sent, obj)
    feats.append(f"path={dependency_path(s_root, o_root)}")
    feats.append(f"path_words={dependency_path(s_root, o_root, lexical=True)}")
    after = obj.start >= subject.end
    gap = obj.start - subject.end if after else subject.start - obj.end
    feats.append(f"side={'after' if after else 'before'}")
    feats.append(f"gap={_bucket(gap, (0, 2, 5, 10, 20))}")
    if 0 < gap <= MAX_BETWEEN_TOKENS:
        lo, hi = (subject.end, obj.start) if after else (obj.end, subject.start)
        for token in doc[lo:hi]:
            if not token.is_punct and token.pos_ != "DET":
                feats.append(f"between={word(token)}")
    chunk_head = o_root.head
    if o_root.dep_ in {"nummod", "amod", "compound"} and chunk_head.pos_ in {"NOUN", "PROPN"}:
        feats.append(f"modifies={word(chunk_head)}")
    return feats
