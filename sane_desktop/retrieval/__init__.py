"""Retrieval: embed a catalogue, keep one FAISS index per target category, answer outfit queries.

Public API (Qt-free): :func:`~sane_desktop.retrieval.indexing.index_catalogue` and
:class:`~sane_desktop.retrieval.search.OutfitSearcher`.
"""
