"""Survey instruments: constructs, items, their texts and the Likert label maps.

An :class:`Instrument` names each construct (``LQ``, ``EX``, ``REP``, ``CSAT``),
its items, their texts in Finnish and English (Swedish optional), their scale
and which are reverse-keyed. Single-item indicators that belong to no
reflective construct (eNPS, intent to stay, NPS) are the instrument's
``indicators``.

The built-in default is :func:`default_instrument`; researchers load their own
with :func:`load_instrument` from a TOML or YAML file (see ``docs`` in the
README for the format).

Examples
--------
>>> import satisfaction as sat
>>> inst = sat.default_instrument()
>>> [c.name for c in inst.constructs]
['LQ', 'EX', 'REP', 'CSAT']
>>> inst.construct("EX").item_ids
('ex1', 'ex2', 'ex3', 'ex4', 'ex5')
>>> [i.id for i in inst.reverse_items]
['ex5']
>>> sat.likert_value("  täysin SAMAA mieltä! ")
5
>>> sat.likert_value("Kan inte säga") is sat.DONT_KNOW
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InstrumentError
from .options import check_option

__all__ = [
    "Item",
    "Construct",
    "Instrument",
    "default_instrument",
    "load_instrument",
    "LIKERT_LABELS",
    "DONT_KNOW_LABELS",
    "DONT_KNOW",
    "normalise_label",
    "likert_value",
    "label_map",
]

LANGUAGES = ("fi", "sv", "en")
SOURCES = ("employee", "customer")


class _DontKnow:
    """Sentinel for a "don't know" answer (not the same as a skipped item)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:  # pragma: no cover - trivial
        return "DONT_KNOW"

    def __reduce__(self):  # keep the singleton through pickling
        return (_DontKnow, ())


#: Returned by :func:`likert_value` for "En osaa sanoa", "Kan inte säga", "Don't know".
DONT_KNOW = _DontKnow()

#: 5-point agreement labels per language, value -> label (the canonical spelling).
LIKERT_LABELS: dict[str, dict[int, str]] = {
    "fi": {
        1: "Täysin eri mieltä",
        2: "Jokseenkin eri mieltä",
        3: "Ei samaa eikä eri mieltä",
        4: "Jokseenkin samaa mieltä",
        5: "Täysin samaa mieltä",
    },
    "sv": {
        1: "Helt av annan åsikt",
        2: "Delvis av annan åsikt",
        3: "Varken av samma eller annan åsikt",
        4: "Delvis av samma åsikt",
        5: "Helt av samma åsikt",
    },
    "en": {
        1: "Strongly disagree",
        2: "Disagree",
        3: "Neither agree nor disagree",
        4: "Agree",
        5: "Strongly agree",
    },
}

#: Common variants seen in real exports, mapped to the same values.
_LIKERT_VARIANTS: dict[str, dict[str, int]] = {
    "fi": {
        "Eri mieltä": 2,
        "Osittain eri mieltä": 2,
        "Samaa mieltä": 4,
        "Osittain samaa mieltä": 4,
        "Neutraali": 3,
    },
    "sv": {
        "Av annan åsikt": 2,
        "Av samma åsikt": 4,
        "Neutral": 3,
        "Varken eller": 3,
    },
    "en": {
        "Somewhat disagree": 2,
        "Somewhat agree": 4,
        "Neutral": 3,
        "Neither agree or disagree": 3,
    },
}

#: "Don't know" answers per language: they become missing, counted apart from skips.
DONT_KNOW_LABELS: dict[str, tuple[str, ...]] = {
    "fi": ("En osaa sanoa", "Eos", "Ei kantaa"),
    "sv": ("Kan inte säga", "Vet ej", "Vet inte"),
    "en": ("Don't know", "Do not know", "Not sure", "N/A", "Not applicable", "Can't say"),
}

_PUNCT = re.compile(r"[^\w\s]", flags=re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise_label(label: Any) -> str:
    """Fold a text answer for matching: case, accents kept, punctuation and spacing dropped.

    >>> normalise_label("  Don’t  KNOW. ")
    'dont know'
    """
    text = unicodedata.normalize("NFC", str(label)).casefold()
    text = _PUNCT.sub("", text)
    return _SPACE.sub(" ", text).strip()


def label_map(languages: Iterable[str] = LANGUAGES) -> dict[str, int | _DontKnow]:
    """Normalised label -> value (1-5) or :data:`DONT_KNOW`, for the given languages.

    >>> m = label_map(["en"])
    >>> m["strongly agree"], m["dont know"] is DONT_KNOW
    (5, True)
    """
    out: dict[str, int | _DontKnow] = {}
    if isinstance(languages, str):  # one language: "fi", not the letters "f", "i"
        languages = [languages]
    for lang in languages:
        lang = check_option(lang, LANGUAGES, "languages", "label_map")
        for value, label in LIKERT_LABELS[lang].items():
            out[normalise_label(label)] = value
        for label, value in _LIKERT_VARIANTS[lang].items():
            out.setdefault(normalise_label(label), value)
        for label in DONT_KNOW_LABELS[lang]:
            out[normalise_label(label)] = DONT_KNOW
    return out


_ALL_LABELS = label_map()


def likert_value(label: Any) -> int | _DontKnow | None:
    """The value of one Likert answer given as text in Finnish, Swedish or English.

    Returns an ``int`` (1-5), :data:`DONT_KNOW`, or ``None`` for an unknown label.
    Numbers given as text (``"4"``) are returned as ``int``.

    >>> likert_value("Jokseenkin samaa mieltä"), likert_value("4"), likert_value("maybe")
    (4, 4, None)
    """
    key = normalise_label(label)
    if key in _ALL_LABELS:
        return _ALL_LABELS[key]
    if key.isdigit():
        return int(key)
    return None


@dataclass(frozen=True)
class Item:
    """One survey item.

    Parameters
    ----------
    id : str
        Column name in the data (a valid identifier, e.g. ``"lq1"``).
    text_en, text_fi : str
        The item's wording in English and Finnish.
    scale : tuple of int
        Lowest and highest answer (``(1, 5)`` for Likert, ``(0, 10)`` for NPS).
    reverse : bool
        Reverse-keyed: a high answer means a low level of the construct.
    text_sv : str, optional
        The Swedish wording.
    source : str
        ``"employee"`` or ``"customer"``: which survey asks it.
    """

    id: str
    text_en: str
    text_fi: str
    scale: tuple[int, int] = (1, 5)
    reverse: bool = False
    text_sv: str | None = None
    source: str = "employee"

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", check_option(self.source, SOURCES, "source", "Item"))

    @property
    def low(self) -> int:
        return self.scale[0]

    @property
    def high(self) -> int:
        return self.scale[1]


@dataclass(frozen=True)
class Construct:
    """A reflective construct measured by several items (e.g. ``LQ``)."""

    name: str
    label: str
    items: tuple[Item, ...]
    source: str = "employee"
    label_fi: str | None = None

    def __post_init__(self) -> None:
        where = "Construct"
        object.__setattr__(self, "source", check_option(self.source, SOURCES, "source", where))

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)


@dataclass(frozen=True)
class Instrument:
    """A survey instrument: constructs of items, plus single-item indicators."""

    name: str
    constructs: tuple[Construct, ...]
    indicators: tuple[Item, ...] = field(default=())

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for where, item in self._all_with_owner():
            if item.id in seen:
                raise InstrumentError(
                    f"instrument {self.name!r}: item id {item.id!r} is used twice "
                    f"(in {seen[item.id]} and {where}); give every item its own id"
                )
            seen[item.id] = where
        names = [c.name for c in self.constructs]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise InstrumentError(
                f"instrument {self.name!r}: construct name(s) {sorted(dup)} used twice"
            )
        clash = set(names) & set(seen)
        if clash:
            raise InstrumentError(
                f"instrument {self.name!r}: {sorted(clash)} is both a construct and an item id; "
                "rename one of them"
            )

    def _all_with_owner(self):
        for c in self.constructs:
            for item in c.items:
                yield f"construct {c.name!r}", item
        for item in self.indicators:
            yield "indicators", item

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item, construct items first, then indicators."""
        return tuple(item for _, item in self._all_with_owner())

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def reverse_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.reverse)

    def construct(self, name: str) -> Construct:
        """The construct called ``name``."""
        for c in self.constructs:
            if c.name == name:
                return c
        raise KeyError(
            f"no construct {name!r} in instrument {self.name!r}; "
            f"it has {', '.join(c.name for c in self.constructs)}"
        )

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id``."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"no item {item_id!r} in instrument {self.name!r}")

    def items_for(self, source: str) -> tuple[Item, ...]:
        """Items asked in one survey (``"employee"`` or ``"customer"``).

        >>> len(default_instrument().items_for("customer"))
        9
        """
        source = check_option(source, SOURCES, "source", "Instrument.items_for")
        return tuple(item for item in self.items if item.source == source)

    def construct_of(self, item_id: str) -> str | None:
        """Name of the construct an item belongs to (``None`` for an indicator)."""
        for c in self.constructs:
            if item_id in c.item_ids:
                return c.name
        return None

    def measurement_model(self, constructs: Iterable[str] | None = None) -> str:
        """lavaan syntax of the measurement part, one ``=~`` line per construct.

        >>> print(default_instrument().measurement_model(["LQ"]))
        LQ =~ lq1 + lq2 + lq3 + lq4
        """
        chosen = [self.construct(n) for n in constructs] if constructs else self.constructs
        return "\n".join(f"{c.name} =~ {' + '.join(c.item_ids)}" for c in chosen)

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``item, construct, source, low, high, reverse, text_en, text_fi, text_sv``."""
        rows = [
            {
                "item": item.id,
                "construct": self.construct_of(item.id),
                "source": item.source,
                "low": item.low,
                "high": item.high,
                "reverse": item.reverse,
                "text_en": item.text_en,
                "text_fi": item.text_fi,
                "text_sv": item.text_sv,
            }
            for item in self.items
        ]
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return f"<b>Instrument {self.name}</b>" + self.to_frame().to_html(index=False)


# --------------------------------------------------------------------------- default


def _it(id_, en, fi, sv=None, *, scale=(1, 5), reverse=False, source="employee") -> Item:
    return Item(
        id=id_, text_en=en, text_fi=fi, text_sv=sv, scale=scale, reverse=reverse, source=source
    )


def default_instrument() -> Instrument:
    """The built-in instrument of the linkage chain (LQ, EX, REP, CSAT, eNPS, intent to stay, NPS).

    Returns
    -------
    Instrument
        Constructs ``LQ`` (4 items), ``EX`` (5 items, ``ex5`` reverse-keyed),
        ``REP`` (5 items, asked of customers), ``CSAT`` (3 items); indicators
        ``enps`` (0-10), ``stay`` (1-5) and ``nps`` (0-10).

    Examples
    --------
    >>> inst = default_instrument()
    >>> inst.to_frame()[["item", "construct", "low", "high", "reverse"]].tail(3)
        item construct  low  high  reverse
    17  enps       NaN    0    10    False
    18  stay       NaN    1     5    False
    19   nps       NaN    0    10    False
    """
    lq = Construct(
        "LQ",
        "Leadership quality",
        (
            _it(
                "lq1",
                "My supervisor values my expertise.",
                "Esihenkilöni arvostaa osaamistani.",
                "Min chef värdesätter min kompetens.",
            ),
            _it(
                "lq2",
                "My supervisor listens to my ideas.",
                "Esihenkilöni kuuntelee ideoitani.",
                "Min chef lyssnar på mina idéer.",
            ),
            _it(
                "lq3",
                "I can influence decisions about my work.",
                "Voin vaikuttaa työtäni koskeviin päätöksiin.",
                "Jag kan påverka beslut om mitt arbete.",
            ),
            _it(
                "lq4",
                "I get the support I need from my supervisor.",
                "Saan esihenkilöltäni tarvitsemani tuen.",
                "Jag får det stöd jag behöver av min chef.",
            ),
        ),
        label_fi="Johtamisen laatu",
    )
    ex = Construct(
        "EX",
        "Employee experience",
        (
            _it(
                "ex1",
                "Overall, I am satisfied with my job.",
                "Kaiken kaikkiaan olen tyytyväinen työhöni.",
                "Överlag är jag nöjd med mitt arbete.",
            ),
            _it(
                "ex2",
                "My tools let me do my job well.",
                "Työvälineeni antavat minun tehdä työni hyvin.",
                "Mina verktyg låter mig göra mitt arbete väl.",
            ),
            _it(
                "ex3",
                "My workload is reasonable.",
                "Työmääräni on kohtuullinen.",
                "Min arbetsbörda är rimlig.",
            ),
            _it(
                "ex4",
                "I can develop and create new things in my work.",
                "Voin kehittää ja luoda työssäni uutta.",
                "Jag kan utveckla och skapa nytt i mitt arbete.",
            ),
            _it(
                "ex5",
                "Internal conflicts hinder my work.",
                "Sisäiset ristiriidat haittaavat työtäni.",
                "Interna konflikter hindrar mitt arbete.",
                reverse=True,
            ),
        ),
        label_fi="Työntekijäkokemus",
    )
    rep = Construct(
        "REP",
        "Reputation (as customers perceive it)",
        tuple(
            _it(i, en, fi, sv, source="customer")
            for i, en, fi, sv in [
                (
                    "rep1",
                    "The organisation is well managed.",
                    "Organisaatiota johdetaan hyvin.",
                    "Organisationen leds väl.",
                ),
                (
                    "rep2",
                    "The organisation provides high-quality services.",
                    "Organisaatio tuottaa laadukkaita palveluja.",
                    "Organisationen erbjuder tjänster av hög kvalitet.",
                ),
                (
                    "rep3",
                    "The staff are competent and helpful.",
                    "Henkilöstö on osaavaa ja auttavaista.",
                    "Personalen är kompetent och hjälpsam.",
                ),
                (
                    "rep4",
                    "The organisation behaves responsibly.",
                    "Organisaatio toimii vastuullisesti.",
                    "Organisationen agerar ansvarsfullt.",
                ),
                (
                    "rep5",
                    "My overall impression of the organisation is good.",
                    "Kokonaiskuvani organisaatiosta on hyvä.",
                    "Min helhetsbild av organisationen är god.",
                ),
            ]
        ),
        source="customer",
        label_fi="Maine",
    )
    csat = Construct(
        "CSAT",
        "Customer satisfaction",
        tuple(
            _it(i, en, fi, sv, source="customer")
            for i, en, fi, sv in [
                (
                    "csat1",
                    "Overall, I am satisfied with the service.",
                    "Kaiken kaikkiaan olen tyytyväinen palveluun.",
                    "Överlag är jag nöjd med tjänsten.",
                ),
                (
                    "csat2",
                    "The service met my expectations.",
                    "Palvelu vastasi odotuksiani.",
                    "Tjänsten motsvarade mina förväntningar.",
                ),
                (
                    "csat3",
                    "The service is easy to use whatever the channel.",
                    "Palvelua on helppo käyttää kanavasta riippumatta.",
                    "Tjänsten är lätt att använda oavsett kanal.",
                ),
            ]
        ),
        source="customer",
        label_fi="Asiakastyytyväisyys",
    )
    indicators = (
        _it(
            "enps",
            "How likely are you to recommend your organisation as a place to work? (0-10)",
            "Kuinka todennäköisesti suosittelisit organisaatiotasi työpaikkana? (0-10)",
            "Hur troligt är det att du skulle rekommendera din organisation som arbetsplats? (0-10)",
            scale=(0, 10),
        ),
        _it(
            "stay",
            "I intend to still be working here in a year.",
            "Aion työskennellä täällä vielä vuoden kuluttua.",
            "Jag tänker fortfarande arbeta här om ett år.",
        ),
        _it(
            "nps",
            "How likely are you to recommend our services to others? (0-10)",
            "Kuinka todennäköisesti suosittelisit palvelujamme muille? (0-10)",
            "Hur troligt är det att du skulle rekommendera våra tjänster till andra? (0-10)",
            scale=(0, 10),
            source="customer",
        ),
    )
    return Instrument("default", (lq, ex, rep, csat), indicators)


# --------------------------------------------------------------------------- loading

_ITEM_KEYS = {"id", "text_en", "text_fi", "text_sv", "scale", "reverse", "source"}
_CONSTRUCT_KEYS = {"name", "label", "label_fi", "source", "items"}
_TOP_KEYS = {"name", "constructs", "indicators"}
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _fail(path: Path, key: str, problem: str, fix: str) -> InstrumentError:
    return InstrumentError(f"instrument file '{path}': key '{key}' {problem}; {fix}")


def _read_mapping(path: Path) -> Mapping[str, Any]:
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InstrumentError(
            f"instrument file '{path}' does not exist; check the path or use "
            "satisfaction.default_instrument()"
        ) from None
    try:
        if suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib
            data = tomllib.loads(raw.decode("utf-8-sig"))
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(raw.decode("utf-8-sig"))
        else:
            raise InstrumentError(
                f"instrument file '{path}' has the extension {suffix!r}; "
                "save it as .toml, .yaml or .yml"
            )
    except InstrumentError:
        raise
    except UnicodeDecodeError:
        raise InstrumentError(
            f"instrument file '{path}' is not UTF-8 text; save it as UTF-8"
        ) from None
    except Exception as exc:  # a syntax error from the TOML/YAML parser
        detail = " ".join(str(exc).split())  # the parser's message, on one line
        raise InstrumentError(
            f"instrument file '{path}' is not valid {suffix.lstrip('.').upper()}: {detail}; "
            "fix the syntax at the place named"
        ) from None
    if not isinstance(data, Mapping):
        raise InstrumentError(
            f"instrument file '{path}' must hold a table/mapping at the top level "
            "with keys 'name', 'constructs' and optionally 'indicators'"
        )
    return data


def _parse_item(path: Path, key: str, spec: Any, source: str) -> Item:
    if not isinstance(spec, Mapping):
        raise _fail(
            path,
            key,
            f"must be a table of item fields, got {spec!r}",
            "write it as {id = ..., text_en = ..., text_fi = ...}",
        )
    unknown = set(spec) - _ITEM_KEYS
    if unknown:
        raise _fail(
            path,
            f"{key}.{sorted(unknown)[0]}",
            "is not an item field",
            f"use only {', '.join(sorted(_ITEM_KEYS))}",
        )
    for req in ("id", "text_en", "text_fi"):
        if req not in spec:
            raise _fail(path, f"{key}.{req}", "is missing", f"add {req} to the item")
        if not isinstance(spec[req], str) or not spec[req].strip():
            raise _fail(
                path,
                f"{key}.{req}",
                f"must be non-empty text, got {spec[req]!r}",
                "write it in quotes",
            )
    if not _ID.match(spec["id"]):
        raise _fail(
            path,
            f"{key}.id",
            f"is {spec['id']!r}, not a valid column name",
            "use letters, digits and underscores, not starting with a digit",
        )
    scale = spec.get("scale", [1, 5])
    if (
        not isinstance(scale, (list, tuple))
        or len(scale) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in scale)
        or scale[0] >= scale[1]
    ):
        raise _fail(
            path,
            f"{key}.scale",
            f"must be two integers [low, high] with low < high, got {scale!r}",
            "write e.g. scale = [1, 5]",
        )
    reverse = spec.get("reverse", False)
    if not isinstance(reverse, bool):
        raise _fail(
            path,
            f"{key}.reverse",
            f"must be true or false, got {reverse!r}",
            "write reverse = true for a reverse-keyed item",
        )
    item_source = spec.get("source", source)
    if item_source not in SOURCES:
        raise _fail(
            path,
            f"{key}.source",
            f"must be one of {SOURCES}, got {item_source!r}",
            "say which survey asks the item",
        )
    text_sv = spec.get("text_sv")
    if text_sv is not None and not isinstance(text_sv, str):
        raise _fail(path, f"{key}.text_sv", f"must be text, got {text_sv!r}", "write it in quotes")
    return Item(
        id=spec["id"],
        text_en=spec["text_en"],
        text_fi=spec["text_fi"],
        text_sv=text_sv,
        scale=(scale[0], scale[1]),
        reverse=reverse,
        source=item_source,
    )


def load_instrument(path: str | Path) -> Instrument:
    """Load a researcher's instrument from a TOML or YAML file.

    The file has a ``name``, a list ``constructs`` (each with ``name``, ``label``,
    optional ``source`` = ``employee``/``customer`` and a list ``items``) and an
    optional list ``indicators`` of single items. Each item has ``id``,
    ``text_en``, ``text_fi``, optional ``text_sv``, ``scale = [low, high]``
    (default ``[1, 5]``), ``reverse`` (default false) and ``source``.

    Parameters
    ----------
    path : str or Path
        A ``.toml``, ``.yaml`` or ``.yml`` file.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        One sentence naming the file, the key and the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = '''
    ... name = "pulse"
    ... [[constructs]]
    ... name = "LQ"
    ... label = "Leadership"
    ... items = [
    ...   {id = "l1", text_en = "Listens", text_fi = "Kuuntelee"},
    ...   {id = "l2", text_en = "Supports", text_fi = "Tukee", reverse = true},
    ... ]
    ... '''
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "pulse.toml"
    >>> _ = p.write_text(text, encoding="utf-8")
    >>> load_instrument(p).construct("LQ").item_ids
    ('l1', 'l2')
    """
    path = Path(path)
    data = _read_mapping(path)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(
            path,
            sorted(unknown)[0],
            "is not an instrument field",
            f"use only {', '.join(sorted(_TOP_KEYS))}",
        )
    name = data.get("name", path.stem)
    if not isinstance(name, str):
        raise _fail(path, "name", f"must be text, got {name!r}", "write it in quotes")
    specs = data.get("constructs")
    if not isinstance(specs, list) or not specs:
        raise _fail(
            path,
            "constructs",
            "is missing or empty",
            "add at least one [[constructs]] table with a name and items",
        )
    constructs = []
    for ci, cspec in enumerate(specs):
        ckey = f"constructs[{ci}]"
        if not isinstance(cspec, Mapping):
            raise _fail(
                path, ckey, f"must be a table, got {cspec!r}", "write it as a [[constructs]] table"
            )
        unknown = set(cspec) - _CONSTRUCT_KEYS
        if unknown:
            raise _fail(
                path,
                f"{ckey}.{sorted(unknown)[0]}",
                "is not a construct field",
                f"use only {', '.join(sorted(_CONSTRUCT_KEYS))}",
            )
        cname = cspec.get("name")
        if not isinstance(cname, str) or not _ID.match(cname):
            raise _fail(
                path,
                f"{ckey}.name",
                f"must be an identifier such as 'LQ', got {cname!r}",
                "use letters, digits and underscores",
            )
        source = cspec.get("source", "employee")
        if source not in SOURCES:
            raise _fail(
                path,
                f"{ckey}.source",
                f"must be one of {SOURCES}, got {source!r}",
                "say which survey measures the construct",
            )
        items = cspec.get("items")
        if not isinstance(items, list) or len(items) < 1:
            raise _fail(path, f"{ckey}.items", "is missing or empty", "list the construct's items")
        parsed = tuple(
            _parse_item(path, f"{ckey}.items[{ii}]", ispec, source)
            for ii, ispec in enumerate(items)
        )
        label = cspec.get("label", cname)
        if not isinstance(label, str):
            raise _fail(path, f"{ckey}.label", f"must be text, got {label!r}", "write it in quotes")
        constructs.append(
            Construct(cname, label, parsed, source=source, label_fi=cspec.get("label_fi"))
        )
    ind_specs = data.get("indicators", [])
    if not isinstance(ind_specs, list):
        raise _fail(
            path,
            "indicators",
            f"must be a list of items, got {ind_specs!r}",
            "write [[indicators]] tables",
        )
    indicators = tuple(
        _parse_item(path, f"indicators[{ii}]", ispec, "employee")
        for ii, ispec in enumerate(ind_specs)
    )
    try:
        return Instrument(name, tuple(constructs), indicators)
    except InstrumentError as exc:
        raise InstrumentError(f"instrument file '{path}': {exc}") from None
