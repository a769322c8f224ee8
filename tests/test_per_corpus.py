"""per_corpus: derived data kept per corpus, by identity, for the last few corpora."""
from figcheck.model import Corpus, per_corpus


def _corpus() -> Corpus:
    return Corpus((), {}, {}, {}, {})


def test_kept_per_corpus_by_identity_for_the_last_ones_and_forgotten_on_request():
    made = []

    @per_corpus(keep=2)
    def derived(corpus):
        made.append(corpus)
        return len(made)

    a, b, c = _corpus(), _corpus(), _corpus()
    assert a == b and a is not b                     # equal corpora are still told apart
    assert [derived(a), derived(a), derived(b), derived(a)] == [1, 1, 2, 1]
    assert derived(c) == 3 and derived(b) == 2       # keeps two: a, the oldest, is dropped
    assert derived(a) == 4                           # kept now: c and a
    derived.forget(a)
    assert derived(c) == 3 and derived(a) == 5
    assert derived.__name__ == "derived"
