"""What the API derives from the store, as services built once when the app starts.

Each is reached through its own typed accessor (`search_index(request)`...), or injected
by FastAPI as a dependency (`labels: LabelsOf`, `entity: EntityGetOf`...), and each
keeps what it derived for one store mark only (store_state.py, marked_lru.py): a write
through this process, or a load recorded by another, makes every one read the store again.
"""

from __future__ import annotations

from dataclasses import dataclass

from store import Settings, Store
from store.namespaces import DataIris

from .confidentiality import PublishedAnswers
from .portal.kept_pages import KeptPages
from .resources.browse_index import BrowseIndex
from .resources.dump_files import DumpFiles
from .resources.entity_cache import EntityResponses
from .resources.neighbourhood import Labels
from .resources.ordered_items import OrderedItems
from .resources.reconcile_entities import ReconcileEntities
from .resources.search_index import SearchIndex
from .resources.store_state import StoreState
from .routes.health import QuadCount
from .sparql.dataset import VisibleGraphs


@dataclass(frozen=True)
class Services:
    store_state: StoreState
    visible_graphs: VisibleGraphs
    labels: Labels  # the labels of what documents name: an index of them all, or past answers
    ordered_items: OrderedItems
    search_index: SearchIndex
    reconcile_entities: ReconcileEntities
    # entity GETs: the responses kept, and the threads of their own (see entity_cache.py)
    entity_responses: EntityResponses
    dump_files: DumpFiles
    quad_count: QuadCount
    browse_index: BrowseIndex
    # the portal's rendered pages and the named queries' kept answers (published aggregates)
    kept_pages: KeptPages
    published_answers: PublishedAnswers


def build_services(store: Store, settings: Settings) -> Services:
    """Every service of one app over `store` (called in the app's lifespan)."""
    iris = DataIris(settings.base_iri)
    state = StoreState(store, iris)
    return Services(
        store_state=state, visible_graphs=VisibleGraphs(), labels=Labels(state, settings.label_index_bytes),
        ordered_items=OrderedItems(),
        search_index=SearchIndex(state), reconcile_entities=ReconcileEntities(state),
        entity_responses=EntityResponses(settings.entity_cache_bytes),
        dump_files=DumpFiles(), quad_count=QuadCount(state, iris),
        browse_index=BrowseIndex(state), kept_pages=KeptPages(),
        published_answers=PublishedAnswers())


def show_writes(services: Services, store: Store, settings: Settings) -> None:
    """After a write by this process, bring every reader of this server up to its result,
    so that the writer can say it is done only when each of them sees it (a publication
    in the workspace): what is kept per store mark (entity responses, answers, pages, the
    readers' graphs) is read again on its own; the browse and search indexes, which pages
    may show a few seconds stale, are rebuilt here; and the commands that read beside the
    server (store/served_checkpoint.py) get a checkpoint of the store as it is now
    (`Store.show_writes_to_readers`)."""
    services.browse_index.fresh()
    services.search_index.fresh()
    store.show_writes_to_readers()
