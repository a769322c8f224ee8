"""The shipped unit table answers exactly as pint does, so skipping the registry changes nothing."""
from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck.unit_table import KNOWN_UNITS
from figcheck.units import UnitError, pint_unit_info, table_units, unit_info


def test_every_table_entry_is_pints_answer():
    for text, (factor, exponents) in KNOWN_UNITS.items():
        info = pint_unit_info(text)
        assert (info.factor, info.exponents) == (factor, exponents), text
        assert unit_info(text) == info


def test_the_table_holds_exactly_the_listed_units():
    # a unit added to table_units() without regenerating the table would silently go to pint
    assert list(KNOWN_UNITS) == table_units()


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(KNOWN_UNITS)), st.sampled_from(["", " ", "  \t"]), st.sampled_from(["", " ", "\n"]))
def test_padded_table_units_read_as_pint_reads_them(text, before, after):
    written = before + text + after
    assert unit_info(written) == pint_unit_info(written)


def test_units_outside_the_table_still_go_to_pint():
    assert "km/day" not in KNOWN_UNITS
    assert unit_info("km/day") == pint_unit_info("km/day")
    for bad in ("", "furlongz", "soldier**0.5"):
        try:
            unit_info(bad)
        except UnitError as exc:
            message = str(exc)
        else:
            raise AssertionError(bad)
        try:
            pint_unit_info(bad)
        except UnitError as exc:
            assert str(exc) == message


def test_pints_cache_lives_in_figchecks_folder_one_per_installation(monkeypatch, tmp_path):
    """pint's own shared folder can hold entries naming a deleted environment's files, after
    which every registry is built from scratch: figcheck keeps one folder per pint installation,
    in its own cache folder, and none where caching is off."""
    import pint

    from figcheck.units import pint_cache_folder

    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path))
    here = pint_cache_folder()
    assert here.startswith(str(tmp_path / "pint"))
    monkeypatch.setattr(pint, "__file__", "/elsewhere/site-packages/pint/__init__.py")
    assert pint_cache_folder() != here and pint_cache_folder().startswith(str(tmp_path / "pint"))
    monkeypatch.setenv("FIGCHECK_CACHE_DIR", "off")
    assert pint_cache_folder() is None
