"""The default instrument, loading a researcher's own, and the errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

import satisfaction as sat
from satisfaction.instruments import LIKERT_LABELS

HERE = Path(__file__).parent / "instruments"


def test_default_instrument_has_the_chain_constructs():
    inst = sat.default_instrument()
    assert [c.name for c in inst.constructs] == ["LQ", "EX", "REP", "CSAT"]
    assert inst.construct("LQ").item_ids == ("lq1", "lq2", "lq3", "lq4")
    assert len(inst.construct("EX").items) == 5
    assert len(inst.construct("REP").items) == 5
    assert len(inst.construct("CSAT").items) == 3
    assert [i.id for i in inst.reverse_items] == ["ex5"]
    assert inst.item("enps").scale == (0, 10)
    assert inst.item("nps").scale == (0, 10)
    assert inst.item("stay").scale == (1, 5)
    assert {i.id for i in inst.items_for("customer")} == {
        "rep1",
        "rep2",
        "rep3",
        "rep4",
        "rep5",
        "csat1",
        "csat2",
        "csat3",
        "nps",
    }
    for item in inst.items:
        assert item.text_en and item.text_fi and item.text_sv


def test_measurement_model_is_lavaan_syntax():
    text = sat.default_instrument().measurement_model()
    assert text.splitlines()[1] == "EX =~ ex1 + ex2 + ex3 + ex4 + ex5"
    assert len(text.splitlines()) == 4


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_canonical_label_maps_to_its_value(lang):
    for value, label in LIKERT_LABELS[lang].items():
        assert sat.likert_value(label) == value
        assert sat.likert_value(label.upper() + "  ") == value


@pytest.mark.parametrize("label", ["En osaa sanoa", "Kan inte säga", "Don't know", "don’t know."])
def test_dont_know_is_not_a_value(label):
    assert sat.likert_value(label) is sat.DONT_KNOW


def test_unknown_label_is_none():
    assert sat.likert_value("kinda") is None


def test_no_label_collides_across_languages():
    seen = {}
    for lang, labels in LIKERT_LABELS.items():
        for value, label in labels.items():
            key = sat.normalise_label(label)
            assert seen.setdefault(key, value) == value, (lang, label)


def test_load_toml_instrument():
    inst = sat.load_instrument(HERE / "custom.toml")
    assert inst.name == "pulse-2026"
    assert inst.construct("LQ").item_ids == ("sup_values", "sup_listens", "sup_micro")
    assert inst.item("sup_micro").reverse
    assert inst.item("sat_overall").source == "customer"
    assert inst.item("sat_overall").text_sv == "Jag är nöjd."
    assert inst.item("nps").scale == (0, 10)


def test_load_yaml_instrument():
    inst = sat.load_instrument(HERE / "custom.yaml")
    assert inst.construct("EX").item_ids == ("job_sat", "conflicts")
    assert [i.id for i in inst.reverse_items] == ["conflicts"]
    assert inst.item("enps").scale == (0, 10)


BAD = [
    ("toml", 'name = "x"\n[[constructs]\n', r"not valid TOML"),
    ("toml", 'name = "x"\n', r"key 'constructs' is missing or empty"),
    (
        "toml",
        'name = "x"\ncolour = 1\n[[constructs]]\nname="A"\nitems=[{id="a",text_en="a",text_fi="a"}]\n',
        r"key 'colour' is not an instrument field",
    ),
    (
        "toml",
        '[[constructs]]\nname = "LQ"\nitems = []\n',
        r"key 'constructs\[0\].items' is missing or empty",
    ),
    (
        "toml",
        '[[constructs]]\nname = "LQ"\nitems = [{id = "a", text_en = "A"}]\n',
        r"key 'constructs\[0\].items\[0\].text_fi' is missing",
    ),
    (
        "toml",
        '[[constructs]]\nname = "LQ"\nitems = [{id = "a", text_en = "A", text_fi = "A", scale = [5, 1]}]\n',
        r"key 'constructs\[0\].items\[0\].scale' must be two integers",
    ),
    (
        "toml",
        '[[constructs]]\nname = "LQ"\nitems = [{id = "a", text_en = "A", text_fi = "A", reverse = "yes"}]\n',
        r"key 'constructs\[0\].items\[0\].reverse' must be true or false",
    ),
    (
        "toml",
        '[[constructs]]\nname = "LQ"\nitems = [{id = "1a", text_en = "A", text_fi = "A"}]\n',
        r"key 'constructs\[0\].items\[0\].id' is '1a', not a valid column name",
    ),
    (
        "toml",
        '[[constructs]]\nname = "LQ"\nsource = "vendor"\nitems = [{id = "a", text_en = "A", text_fi = "A"}]\n',
        r"key 'constructs\[0\].source' must be one of",
    ),
    (
        "toml",
        '[[constructs]]\nname = "LQ"\nitems = [{id = "a", text_en = "A", text_fi = "A"}, '
        '{id = "a", text_en = "B", text_fi = "B"}]\n',
        r"item id 'a' is used twice",
    ),
    (
        "yaml",
        "constructs:\n  - name: LQ\n    items:\n      - id: a\n        text_en: [unclosed\n",
        r"not valid YAML",
    ),
    ("yaml", "- just\n- a list\n", r"must hold a table/mapping at the top level"),
    (
        "yaml",
        "constructs:\n  - name: LQ\n    items:\n      - id: a\n        text_en: A\n        text_fi: A\n"
        "        weight: 2\n",
        r"key 'constructs\[0\].items\[0\].weight' is not an item field",
    ),
    ("json", "{}", r"has the extension '.json'; save it as .toml, .yaml or .yml"),
]


@pytest.mark.parametrize(("ext", "text", "pattern"), BAD)
def test_bad_instrument_files_give_one_clear_error(tmp_path, ext, text, pattern):
    path = tmp_path / f"bad.{ext}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sat.InstrumentError, match=pattern) as info:
        sat.load_instrument(path)
    message = str(info.value)
    assert str(path) in message  # names the file
    assert "\n" not in message  # one sentence, not a traceback


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(sat.InstrumentError, match="does not exist"):
        sat.load_instrument(tmp_path / "nope.toml")
