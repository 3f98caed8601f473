"""Exact duplicates, near duplicates and campaigns: counted, never deleted.

Near duplicates use MinHash over a set of shingles (word unigrams and bigrams of the normalised
text, single characters for Chinese and Japanese script), so small edits, an added signature or
reordered paragraphs barely move the estimate. Candidate pairs come from banded LSH and are checked
against the estimated Jaccard similarity and containment; nothing is ever compared all-against-all,
so a million short responses stay within seconds to a few minutes and a few hundred MB.

A *campaign* is a connected group of at least ``campaign_min_size`` responses that are copies,
near copies or share a long common template with personal additions. Exact groups are always
reported; a near or campaign group may contain exact groups (kinds nest, ids are never dropped).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synthesis._gc import pausing

from .text import Document

__all__ = ["DuplicateFinder", "DuplicateGroup", "find_duplicates"]

_KIND_ORDER = {"exact": 0, "near": 1, "campaign": 2}
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
# Han, kana and compatibility ideographs: one token per character (no spaces between words).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_TOKEN_OR_SEPARATOR_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+|\x00")
# Arabic short vowels, shadda, sukun, dagger alif and tatweel do not change the word.
_ARABIC_MARKS = dict.fromkeys([*range(0x064B, 0x0653), 0x0670, 0x0640])
_HAS_ARABIC_MARK = re.compile("[\u064b-\u0652\u0670\u0640]").search


@dataclass(frozen=True)
class DuplicateGroup:
    kind: str  # "exact" | "near" | "campaign"
    members: tuple[str, ...]  # sorted ids
    representative: str


def _exact_key(text: str) -> str:
    """normalise() then casefold and without Arabic marks; fast path for already-NFKC text."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if "\u00ad" in text or "\x00" in text:
        text = text.replace("\u00ad", "").replace("\x00", " ")
    text = " ".join(text.casefold().split())
    if _HAS_ARABIC_MARK(text):
        text = text.translate(_ARABIC_MARKS)
    return text


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """Well-mixed 64-bit hash (wrap-around arithmetic is intended)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _stable_hash64(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def _lsh_params(num_perm: int, candidate_threshold: float) -> tuple[int, int]:
    """Bands and rows whose S-curve (1/b)^(1/r) lies nearest the candidate threshold."""
    best = (num_perm, 1)
    best_gap = float("inf")
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        gap = abs((1.0 / bands) ** (1.0 / rows) - candidate_threshold)
        if gap < best_gap - 1e-12:
            best, best_gap = (bands, rows), gap
    return best


class DuplicateFinder:
    """Find exact duplicates, near duplicates and campaigns among documents.

    threshold: estimated Jaccard similarity of shingle sets above which two texts are near
        duplicates; a text whose shingles are (almost) all inside a text at most twice as long
        (an added signature or greeting) also counts.
    campaign_min_size: connected groups of at least this many responses are campaigns.
    template_min_shingles / template_overlap: two texts share a template when at least this
        many shingles and this share of the smaller text's shingles are common.
    campaign_jaccard: a campaign keeps only texts with at least this estimated Jaccard
        similarity to its central text (pairwise links can chain far from the template).
    min_tokens: texts shorter than this are only matched exactly ("Yes", "N/A" are no campaign).
    """

    def __init__(
        self,
        *,
        threshold: float = 0.8,
        num_perm: int = 128,
        campaign_min_size: int = 5,
        seed: int = 0,
        containment: float = 0.9,
        containment_ratio: float = 1.5,
        template_overlap: float = 0.75,
        template_jaccard: float = 0.6,
        template_min_shingles: int = 40,
        campaign_jaccard: float = 0.5,
        min_tokens: int = 5,
        candidate_threshold: float = 0.5,
        batch_size: int = 25_000,
    ) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.campaign_min_size = campaign_min_size
        self.seed = seed
        self.containment = containment
        self.containment_ratio = containment_ratio
        self.template_overlap = template_overlap
        self.template_jaccard = template_jaccard
        self.template_min_shingles = template_min_shingles
        self.campaign_jaccard = campaign_jaccard
        self.min_tokens = min_tokens
        self.candidate_threshold = candidate_threshold
        self.batch_size = batch_size

    # ------------------------------------------------------------------ fitting
    @pausing
    def fit(self, documents: Sequence[Document]) -> DuplicateFinder:
        ids = [str(d.id) for d in documents]
        if len(set(ids)) != len(ids):
            raise ValueError("document ids must be unique")
        n = len(ids)
        order = sorted(range(n), key=ids.__getitem__)  # every later choice follows id order

        # Distinct normalised texts, numbered in the id order of their first copy.
        # Keyed by a 128-bit digest, not the text: a million long keys would cost hundreds of MB.
        key_index: dict[bytes, int] = {}
        doc_unique = np.empty(n, dtype=np.int64)
        first_doc: list[int] = []
        empty = _digest("")
        empty_unique = -1
        for i in order:
            k = _digest(_exact_key(documents[i].text))
            u = key_index.get(k)
            if u is None:
                u = key_index[k] = len(first_doc)
                first_doc.append(i)
                if k == empty:
                    empty_unique = u
            doc_unique[i] = u
        n_unique = len(first_doc)
        del key_index
        copies = np.bincount(doc_unique, minlength=n_unique)
        # Documents of each distinct text, in id order.
        rank = np.empty(n, dtype=np.int64)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(n)
        by_unique = np.lexsort((rank, doc_unique))
        starts = np.concatenate([[0], np.cumsum(copies)])

        def docs_of(u: int) -> list[int]:
            return by_unique[starts[u] : starts[u + 1]].tolist()

        groups: list[DuplicateGroup] = []
        for u in np.flatnonzero(copies >= 2).tolist():
            if u == empty_unique:
                continue  # empty answers are not duplicates of one another
            members = tuple(ids[i] for i in docs_of(u))
            groups.append(DuplicateGroup("exact", members, members[0]))

        sigs, set_size, n_tokens = self._signatures(
            [documents[i].text for i in first_doc], normalised=False
        )
        eligible = n_tokens >= self.min_tokens
        near_a, near_b, tmpl_a, tmpl_b = self._links(sigs, set_size, eligible)

        # Campaigns: big enough connected groups, trimmed to texts close to their centre.
        comp_all = _components(n_unique, np.r_[near_a, tmpl_a], np.r_[near_b, tmpl_b])
        comp_docs = np.bincount(comp_all, weights=copies, minlength=n_unique)
        is_campaign = np.zeros(n_unique, dtype=bool)
        for part in _parts(
            np.flatnonzero(eligible & (comp_docs[comp_all] >= self.campaign_min_size)), comp_all
        ):
            rep = self._central(part, sigs, copies)
            # Chains of pairwise links can drift far from the template: keep the close ones.
            part = part[(sigs[part] == sigs[rep]).mean(axis=1) >= self.campaign_jaccard]
            if copies[part].sum() < self.campaign_min_size:
                continue
            is_campaign[part] = True
            members = tuple(sorted(ids[i] for u in part.tolist() for i in docs_of(u)))
            groups.append(DuplicateGroup("campaign", members, ids[first_doc[rep]]))

        # Near groups among the rest: at least two distinct texts joined by near links.
        keep = ~(is_campaign[near_a] | is_campaign[near_b])
        comp_near = _components(n_unique, near_a[keep], near_b[keep])
        uniq = np.flatnonzero(eligible & ~is_campaign)
        distinct = np.bincount(comp_near[uniq], minlength=n_unique)
        for part in _parts(uniq[distinct[comp_near[uniq]] >= 2], comp_near):
            rep = self._central(part, sigs, copies)
            members = tuple(sorted(ids[i] for u in part.tolist() for i in docs_of(u)))
            groups.append(DuplicateGroup("near", members, ids[first_doc[rep]]))

        groups.sort(key=lambda g: (_KIND_ORDER[g.kind], -len(g.members), g.members[0]))
        self.groups_ = groups
        self.n_documents_ = n
        self.n_distinct_texts_ = n_unique
        return self

    def summary(self) -> dict:
        """Counts only: how many responses sit in each kind of group (none is removed)."""
        out = {"documents": self.n_documents_, "distinct_texts": self.n_distinct_texts_}
        for kind in _KIND_ORDER:
            sizes = [len(g.members) for g in self.groups_ if g.kind == kind]
            out[f"{kind}_groups"] = len(sizes)
            out[f"in_{kind}_groups"] = sum(sizes)
        return out

    # ------------------------------------------------------------------ steps
    def _signatures(
        self, texts: list[str], normalised: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """MinHash signatures (uint32), distinct-shingle counts and token counts, by batches."""
        n = len(texts)
        sigs = np.full((n, self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        set_size = np.zeros(n, dtype=np.int64)
        n_tokens = np.zeros(n, dtype=np.int64)
        rng = np.random.default_rng(self.seed)
        mult = rng.integers(1, 2**63, size=self.num_perm, dtype=np.uint64) | np.uint64(1)
        add = rng.integers(0, 2**63, size=self.num_perm, dtype=np.uint64)
        token_hash = _TokenHashes()
        findall = _TOKEN_OR_SEPARATOR_RE.findall
        batch = max(1, self.batch_size)
        for lo in range(0, n, batch):
            hi = min(n, lo + batch)
            # One regex pass over the whole batch; "\x00" (never inside a key) ends each text.
            chunk = texts[lo:hi] if normalised else [_exact_key(t) for t in texts[lo:hi]]
            words = findall("\x00".join(chunk) + "\x00")
            del chunk
            hashes = np.fromiter(map(token_hash.__getitem__, words), np.uint64, len(words))
            del words
            ends = np.flatnonzero(hashes == 0)
            lengths = np.diff(np.r_[-1, ends]) - 1
            th = hashes[hashes != 0]
            del hashes
            n_tokens[lo:hi] = lengths
            shingles, doc_of = _shingles(th, lengths)
            if shingles.size == 0:
                continue
            # One sort by (text, hash) gives distinct shingles per text.
            bits = max(1, int(hi - lo).bit_length())
            key = (doc_of.astype(np.uint64) << np.uint64(64 - bits)) | (shingles >> np.uint64(bits))
            key.sort()
            keep = np.ones(key.size, dtype=bool)
            keep[1:] = key[1:] != key[:-1]
            key = key[keep]
            doc_of = (key >> np.uint64(64 - bits)).astype(np.int64)
            values = key & np.uint64((1 << (64 - bits)) - 1)
            del key, keep
            counts = np.bincount(doc_of, minlength=hi - lo)
            set_size[lo:hi] = counts
            seg_start = np.concatenate([[0], np.cumsum(counts)])
            # Sub-blocks small enough to stay in cache while every permutation runs over them.
            docs = np.flatnonzero(counts)
            d = 0
            while d < docs.size:
                e = int(np.searchsorted(seg_start, seg_start[docs[d]] + _BLOCK, side="right")) - 1
                e = max(e, int(docs[d]) + 1)
                block_docs = docs[(docs >= docs[d]) & (docs < e)]
                s0, s1 = int(seg_start[block_docs[0]]), int(seg_start[block_docs[-1] + 1])
                block = values[s0:s1]
                offsets = seg_start[block_docs] - s0
                rows = block_docs + lo
                for k in range(self.num_perm):
                    v = block * mult[k]
                    v += add[k]
                    v >>= np.uint64(32)
                    sigs[rows, k] = np.minimum.reduceat(v, offsets)
                d += block_docs.size
        return sigs, set_size, n_tokens

    def _links(self, sigs, set_size, eligible):
        """Banded LSH candidates, then estimated Jaccard and containment decide the link kind.

        Each bucket links its members to the first member and to their neighbour in the bucket,
        so a bucket of a hundred thousand copies costs linear, not quadratic, work.
        """
        p = sigs.shape[1]
        bands, rows = _lsh_params(p, self.candidate_threshold)
        idx = np.flatnonzero(eligible)
        empty = np.zeros(0, dtype=np.int64)
        if idx.size < 2:
            return empty, empty, empty, empty
        pair_keys = []
        m = idx.size
        positions = np.arange(m)
        for band in range(bands):
            cols = sigs[idx, band * rows : (band + 1) * rows]
            key = np.zeros(m, dtype=np.uint64)
            for c in range(rows):
                key = _splitmix64(key ^ cols[:, c].astype(np.uint64))
            order = np.argsort(key, kind="stable")
            ks = key[order]
            same = ks[1:] == ks[:-1]
            if not same.any():
                continue
            head = np.maximum.accumulate(np.where(np.r_[True, ~same], positions, 0))
            second = np.flatnonzero(same) + 1
            for a, b in ((order[head[second]], order[second]), (order[second - 1], order[second])):
                lo_, hi_ = np.minimum(a, b), np.maximum(a, b)
                pair_keys.append(lo_.astype(np.int64) * m + hi_)
            pair_keys = [_sorted_unique(np.concatenate(pair_keys))]  # memory stays ~ distinct pairs
        if not pair_keys:
            return empty, empty, empty, empty
        keys = pair_keys[0]
        del pair_keys
        # Candidates are decided a slice at a time: at a million texts there are millions of
        # them, and a dozen full-length work arrays would cost gigabytes.
        found = [self._decide(idx[part // m], idx[part % m], sigs, set_size) for part in _slices(keys)]
        return tuple(np.concatenate([f[k] for f in found]) for k in range(4))

    def _decide(self, a, b, sigs, set_size):
        """Near-duplicate and shared-template links among candidate pairs (a, b)."""
        ok = a != b
        a, b = a[ok], b[ok]
        jac = np.empty(a.size, dtype=np.float64)
        step = max(1, 4_000_000 // sigs.shape[1])
        for s in range(0, a.size, step):
            jac[s : s + step] = (sigs[a[s : s + step]] == sigs[b[s : s + step]]).mean(axis=1)
        sa, sb = set_size[a].astype(np.float64), set_size[b].astype(np.float64)
        small, large = np.minimum(sa, sb), np.maximum(sa, sb)
        common = jac * (sa + sb) / (1.0 + jac)
        overlap = np.minimum(common / np.maximum(small, 1.0), 1.0)
        near = (jac >= self.threshold) | (
            (overlap >= self.containment) & (large <= self.containment_ratio * small)
        )
        template = (
            ~near
            & (jac >= self.template_jaccard)
            & (overlap >= self.template_overlap)
            & (common >= self.template_min_shingles)
        )
        return a[near], b[near], a[template], b[template]

    def _central(self, uniq: np.ndarray, sigs: np.ndarray, copies: np.ndarray) -> int:
        """The distinct text agreeing most with the others (copies weigh); ties keep id order."""
        if uniq.size == 1:
            return int(uniq[0])
        ref = uniq
        if ref.size > 64:  # a spread, deterministic reference sample for big campaigns
            ref = uniq[np.unique(np.linspace(0, uniq.size - 1, 64).round().astype(np.int64))]
        weight = copies[ref].astype(np.float64)
        ref_sigs = sigs[ref]
        score = np.empty(uniq.size, dtype=np.float64)
        step = max(1, 4_000_000 // (ref.size * sigs.shape[1]))
        for s in range(0, uniq.size, step):
            block = sigs[uniq[s : s + step]]
            agree = (block[:, None, :] == ref_sigs[None, :, :]).sum(axis=2)
            score[s : s + step] = agree @ weight
        return int(uniq[int(np.argmax(score))])  # argmax keeps the first of equals


def find_duplicates(documents: Sequence[Document], **params) -> list[DuplicateGroup]:
    """Exact, near and campaign groups of ``documents`` (see DuplicateFinder for ``params``)."""
    return DuplicateFinder(**params).fit(documents).groups_


# ---------------------------------------------------------------------------------- internals
_BLOCK = 1 << 15  # shingles per MinHash block: fits in cache, measured fastest


class _TokenHashes(dict):
    """Token -> stable 64-bit hash, computed once per distinct token (blake2b, not hash())."""

    def __init__(self) -> None:
        super().__init__({"\x00": 0})  # the separator; real hashes are odd, never 0

    def __missing__(self, token: str) -> int:
        value = _stable_hash64(token) | 1
        self[token] = value
        return value


def _shingles(th: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unigram and neighbour-pair shingle hashes of each text, with the text's batch index."""
    n = lengths.size
    doc_of_token = np.repeat(np.arange(n), lengths)
    uni = th  # blake2b values are already uniform
    if th.size > 1:
        same_doc = np.ones(th.size - 1, dtype=bool)
        last = np.cumsum(lengths)[lengths > 0] - 1
        same_doc[last[last < th.size - 1]] = False
        pair = th[:-1][same_doc] * np.uint64(0x9E3779B97F4A7C15)
        pair ^= th[1:][same_doc]
        pair = _splitmix64(pair)
        pair_doc = doc_of_token[:-1][same_doc]
    else:
        pair = th[:0]
        pair_doc = doc_of_token[:0]
    return np.concatenate([uni, pair]), np.concatenate([doc_of_token, pair_doc])


def _parts(nodes: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """Nodes split by component label; each part stays in node (id) order."""
    if nodes.size == 0:
        return []
    nodes = nodes[np.argsort(labels[nodes], kind="stable")]
    return np.split(nodes, np.flatnonzero(np.diff(labels[nodes])) + 1)


_DECIDE_SLICE = 1 << 20  # candidate pairs decided at once


def _slices(keys: np.ndarray) -> list[np.ndarray]:
    return [keys[s : s + _DECIDE_SLICE] for s in range(0, max(keys.size, 1), _DECIDE_SLICE)]


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    keys.sort()
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if keys.size else keys


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of each node; labels follow the smallest node of each."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels
