//! What frames and keys need of the big views, kept between them: each view's rows in order
//! (their keys), and the fleet's lookups (instances by id, who is out for maintenance).
//! At 10,000 instances and 20,000 targets, building and sorting every row costs
//! milliseconds; a frame or a key that finds the fleet and the listing unchanged reuses
//! them, and builds only the rows it draws.
//!
//! Kept by fleet version: `AppState::fleet_changed` is called wherever the fleet is replaced
//! or changed, and a debug build checks on every reuse that nothing changed it otherwise.

use super::super::{table::SortBy, View};
use crate::model::{OutOfService, Snapshot};
use std::any::Any;
use std::sync::{Arc, Mutex};

/// The rows of one view, in the order shown, by key: `order` picks from `all` (a table's
/// keys in the view's default order, shared by every listing made from it: a filter at
/// 20,000 rows holds 4 bytes a row, not a copy of each key).
#[derive(Debug, Default)]
pub struct Listing {
    all: Arc<Vec<String>>,
    /// Positions in `all`, in the order shown (None: all of them, in their order).
    order: Option<Vec<u32>>,
    /// Each key's hash with its position in the listing, ordered by hash, for finding a
    /// row by key (keys such as target group ARNs share long beginnings: ordering them by
    /// text costs far more).
    by_hash: Vec<(u64, u32)>,
}

/// A key's hash, the same in every run.
fn hash_of(key: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl Listing {
    pub fn new(keys: Vec<String>) -> Self {
        let hashes: Vec<u64> = keys.iter().map(|k| hash_of(k)).collect();
        Listing::of(Arc::new(keys), &hashes, None)
    }

    /// The keys of `all` at `order` (all of them, for None), with `hashes` those of `all`.
    fn of(all: Arc<Vec<String>>, hashes: &[u64], order: Option<Vec<u32>>) -> Self {
        let mut by_hash: Vec<(u64, u32)> = match &order {
            None => (hashes.iter().enumerate())
                .map(|(at, h)| (*h, at as u32))
                .collect(),
            Some(order) => (order.iter().enumerate())
                .map(|(at, r)| (hashes[*r as usize], at as u32))
                .collect(),
        };
        by_hash.sort_unstable();
        Listing {
            all,
            order,
            by_hash,
        }
    }

    /// The key of the row at `at` (in the order shown).
    pub fn key(&self, at: usize) -> Option<&str> {
        let r = match &self.order {
            None => at,
            Some(order) => *order.get(at)? as usize,
        };
        self.all.get(r).map(String::as_str)
    }

    /// The keys of the rows from `start` to `end` (in the order shown).
    pub fn keys(&self, start: usize, end: usize) -> impl Iterator<Item = &str> + '_ {
        (start..end.min(self.len())).filter_map(|at| self.key(at))
    }

    /// Every key, in the order shown.
    pub fn to_vec(&self) -> Vec<String> {
        self.keys(0, self.len()).map(str::to_string).collect()
    }

    /// Where the row of `key` is.
    pub fn position(&self, key: &str) -> Option<usize> {
        let h = hash_of(key);
        let from = self.by_hash.partition_point(|(x, _)| *x < h);
        (self.by_hash[from..].iter())
            .take_while(|(x, _)| *x == h)
            .map(|(_, at)| *at as usize)
            .find(|at| self.key(*at) == Some(key))
    }

    pub fn len(&self) -> usize {
        self.order.as_ref().map_or(self.all.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every row of a view in its default order, as its filter and sort read them: each row's
/// key, and its cells in lower case joined by NUL (which no filter word holds). Kept per
/// version of the fleet, it answers each key of a filter typed or a sort chosen without
/// making a row (at 20,000 targets, making them is tens of milliseconds).
#[derive(Debug, Default)]
pub struct Table {
    keys: Arc<Vec<String>>,
    hashes: Vec<u64>,
    text: Vec<Box<str>>,
    /// Every row's position, in the order of each sort asked for so far: a filter typed
    /// on a sorted view then keeps rows in that order instead of sorting again (sorting
    /// 20,000 rows by a text column is tens of milliseconds).
    sorted: Mutex<Vec<(SortBy, Arc<Vec<u32>>)>>,
}

/// Tables are equal when they list the same rows with the same cells.
impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.keys == other.keys && self.text == other.text
    }
}

impl Table {
    /// The table of rows given as (key, cells), in the view's default order.
    pub fn new(rows: impl Iterator<Item = (String, Vec<String>)>) -> Table {
        let mut table = Table::default();
        let mut keys = Vec::new();
        for (key, cells) in rows {
            let mut text = String::new();
            for (at, cell) in cells.iter().enumerate() {
                if at > 0 {
                    text.push('\0');
                }
                if cell.is_ascii() && !cell.contains('\0') {
                    // Most cells: ids, states, zones, numbers.
                    let from = text.len();
                    text.push_str(cell);
                    text[from..].make_ascii_lowercase();
                } else {
                    let chars = cell.chars().filter(|c| *c != '\0');
                    text.extend(chars.flat_map(char::to_lowercase));
                }
            }
            table.hashes.push(hash_of(&key));
            keys.push(key);
            table.text.push(text.into_boxed_str());
        }
        table.keys = Arc::new(keys);
        table
    }

    /// The rows `view` shows when listed as `list` says, in order: those the filter keeps,
    /// in the order of the sort (kept per sort: a stable sort of the rows a filter keeps is
    /// the sort of them all with the others left out).
    pub fn listing(&self, view: View, list: &super::super::ListState) -> Listing {
        if list.filter.trim().is_empty() && list.sort.is_none() {
            return Listing::of(self.keys.clone(), &self.hashes, None);
        }
        let sorted = list.sort.map(|sort| self.sorted(view, sort));
        if list.filter.trim().is_empty() {
            return Listing::of(self.keys.clone(), &self.hashes, sorted.map(|o| o.to_vec()));
        }
        let filter_only = super::super::ListState {
            filter: list.filter.clone(),
            ..Default::default()
        };
        let n = self.keys.len();
        let kept = self.order(view, &filter_only);
        let order: Vec<u32> = match sorted {
            None => kept.into_iter().map(|r| r as u32).collect(),
            Some(sorted) => {
                let mut keep = vec![false; n];
                kept.into_iter().for_each(|r| keep[r] = true);
                sorted
                    .iter()
                    .copied()
                    .filter(|r| keep[*r as usize])
                    .collect()
            }
        };
        Listing::of(self.keys.clone(), &self.hashes, Some(order))
    }

    /// `table::order` over this table's rows.
    fn order(&self, view: View, list: &super::super::ListState) -> Vec<usize> {
        use std::borrow::Cow;
        let matches = |f: &super::super::table::Filter, r: usize| f.matches_joined(&self.text[r]);
        let cell =
            |r: usize, at: usize| Cow::Borrowed(self.text[r].split('\0').nth(at).unwrap_or(""));
        super::super::table::order(self.keys.len(), view, list, matches, cell)
    }

    /// Every row's position in the order of `sort` (made once per table and sort).
    fn sorted(&self, view: View, sort: SortBy) -> Arc<Vec<u32>> {
        let found = (self.sorted.lock().unwrap_or_else(|e| e.into_inner()).iter())
            .find(|(s, _)| *s == sort)
            .map(|(_, order)| order.clone());
        if let Some(order) = found {
            return order;
        }
        let by = super::super::ListState {
            sort: Some(sort),
            ..Default::default()
        };
        let order = self.order(view, &by).into_iter().map(|r| r as u32);
        let order = Arc::new(order.collect::<Vec<u32>>());
        let mut kept = self.sorted.lock().unwrap_or_else(|e| e.into_inner());
        kept.push((sort, order.clone()));
        order
    }
}

/// Lookups over one version of the fleet.
#[derive(Debug, Default)]
pub struct Lookups {
    /// Positions in `fleet.instances` ordered by id, each with its id's first 16 bytes: a
    /// search compares numbers in one array, and reads an id only between equal prefixes.
    by_id: Vec<(u128, u32)>,
    /// What each instance (by its position in `fleet.instances`) is part of.
    links: Vec<Links>,
    /// `fleet.out_of_service()`.
    pub outs: Vec<OutOfService>,
}

/// Where an instance is a target, and where it is a group member.
#[derive(Debug, Default, Clone)]
pub struct Links {
    /// (target group, target) positions in `fleet.target_groups`.
    pub targets: Vec<(u32, u32)>,
    /// (Auto Scaling group, member) positions in `fleet.auto_scaling_groups`.
    pub member: Option<(u32, u32)>,
    /// Positions in `fleet.elastic_ips` of the addresses bound to it.
    pub addresses: Vec<u32>,
}

impl Lookups {
    /// The lookups of `fleet` (kept ones: `rows::lookups`).
    pub fn of(fleet: &Snapshot) -> Self {
        Lookups::new(fleet)
    }

    fn new(fleet: &Snapshot) -> Self {
        let ids = &fleet.instances;
        let mut by_id: Vec<(u128, u32)> = (ids.iter().enumerate())
            .map(|(at, i)| (prefix(&i.id), at as u32))
            .collect();
        by_id.sort_unstable_by(|a, b| {
            (a.0.cmp(&b.0)).then_with(|| ids[a.1 as usize].id.cmp(&ids[b.1 as usize].id))
        });
        let mut lookups = Lookups {
            by_id,
            links: vec![Links::default(); ids.len()],
            outs: fleet.out_of_service(),
        };
        for (gi, g) in fleet.target_groups.iter().enumerate() {
            for (ti, t) in g.targets.iter().enumerate() {
                if let Some(at) = lookups.position(fleet, &t.target_id) {
                    lookups.links[at].targets.push((gi as u32, ti as u32));
                }
            }
        }
        for (gi, g) in fleet.auto_scaling_groups.iter().enumerate() {
            for (mi, m) in g.instances.iter().enumerate() {
                if let Some(at) = lookups.position(fleet, &m.instance_id) {
                    lookups.links[at].member = Some((gi as u32, mi as u32));
                }
            }
        }
        for (ai, a) in fleet.elastic_ips.iter().enumerate() {
            let at = (a.instance_id.as_deref()).and_then(|id| lookups.position(fleet, id));
            if let Some(at) = at {
                lookups.links[at].addresses.push(ai as u32);
            }
        }
        lookups
    }

    /// Where instance `id` is in `fleet.instances` (the fleet these lookups were made from).
    fn position(&self, fleet: &Snapshot, id: &str) -> Option<usize> {
        let key = prefix(id);
        let found = (self.by_id)
            .binary_search_by(|(p, at)| {
                (p.cmp(&key)).then_with(|| fleet.instances[*at as usize].id.as_str().cmp(id))
            })
            .ok()?;
        Some(self.by_id[found].1 as usize)
    }

    /// The instance `id` of `fleet` (the fleet these lookups were made from).
    pub fn instance<'a>(
        &self,
        fleet: &'a Snapshot,
        id: &str,
    ) -> Option<&'a crate::model::Instance> {
        fleet.instances.get(self.position(fleet, id)?)
    }

    /// What the instance `id` is part of.
    pub fn links(&self, fleet: &Snapshot, id: &str) -> Option<&Links> {
        self.links.get(self.position(fleet, id)?)
    }

    /// `fleet.healthy_targets(g)`, by these lookups.
    pub fn healthy_targets(&self, fleet: &Snapshot, g: &crate::model::TargetGroup) -> usize {
        (g.targets.iter())
            .filter(|t| crate::model::serves_on(t, self.instance(fleet, &t.target_id)))
            .count()
    }
}

/// The first 16 bytes of an id as a number, zeros after a shorter one: ordered as the ids
/// are (two ids with different prefixes compare as their prefixes do).
fn prefix(id: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = id.len().min(16);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// Logs (at debug) what was made, where and how long it took: made on the console's loop
/// (the `main` thread), a key waited for it.
fn made(what: &str, started: std::time::Instant) {
    let took = started.elapsed();
    if took > std::time::Duration::from_millis(2) {
        let thread = std::thread::current();
        tracing::debug!(
            what,
            thread = thread.name().unwrap_or("?"),
            ms = took.as_secs_f64() * 1e3,
            "rows made"
        );
    }
}

/// What a listing was made from: the fleet's version and how the view is listed.
#[derive(Debug, Clone, PartialEq)]
struct Stamp {
    fleet: u64,
    filter: String,
    sort: Option<SortBy>,
}

/// How many versions of each thing are kept: the one the console draws and the one a copy
/// of its state makes ready for the refresh it is about to apply (`app::prepare`); with
/// one, each would throw the other's away.
const KEPT: usize = 2;

/// Keeps `item` first in `kept`, with at most `KEPT - 1` older ones that `same` says are
/// the same thing.
fn keep<T>(kept: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    let mut n = 0;
    kept.retain(|t| {
        !same(t) || {
            n += 1;
            n < KEPT
        }
    });
    kept.insert(0, item);
}

#[derive(Default)]
struct Kept {
    /// Each view's listings, the newest first (`KEPT` at most of each view).
    listings: Vec<(View, Stamp, Arc<Listing>)>,
    lookups: Vec<(u64, Arc<Lookups>)>,
    /// What views draw besides their rows (`RowCache::derived`), by name.
    derived: Vec<(&'static str, u64, Arc<dyn Any + Send + Sync>)>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("listings", &self.listings)
            .field("lookups", &self.lookups)
            .field(
                "derived",
                &self.derived.iter().map(|d| (d.0, d.1)).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The kept listings and lookups of one console state. A copy of the state starts with
/// none (`share` gives a handle to the same ones); two states are equal whatever they keep.
#[derive(Debug, Default)]
pub struct RowCache(Arc<Mutex<Kept>>);

impl Clone for RowCache {
    fn clone(&self) -> Self {
        RowCache::default()
    }
}

impl PartialEq for RowCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl RowCache {
    /// A handle to the same kept rows: what a copy of the state prepares away from the
    /// console's loop is found there by the state itself.
    pub fn share(&self) -> RowCache {
        RowCache(self.0.clone())
    }

    /// Forgets everything kept, here only: copies that share it (`share`) keep what they
    /// make to themselves from now on. For a world replaced, where what a copy of the old
    /// one makes must never be taken for the new one's.
    pub fn forget(&mut self) {
        self.0 = Arc::default();
    }

    /// The views that have a kept listing (of any version): those the operator has shown.
    pub fn shown_views(&self) -> Vec<View> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (View::ALL.iter().copied())
            .filter(|v| kept.listings.iter().any(|(w, _, _)| w == v))
            .collect()
    }

    /// The listing of `view` at fleet version `fleet`, filtered and sorted as given: kept,
    /// or made by `build` (the keys in order) and kept.
    pub fn listing(
        &self,
        view: View,
        fleet: u64,
        list: &super::super::ListState,
        build: impl FnOnce() -> Listing,
    ) -> Arc<Listing> {
        let stamp = Stamp {
            fleet,
            filter: list.filter.clone(),
            sort: list.sort,
        };
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let found = (kept.listings.iter()).find(|(v, s, _)| *v == view && *s == stamp);
        if let Some((_, _, listing)) = found {
            let listing = listing.clone();
            drop(kept);
            #[cfg(debug_assertions)]
            {
                let fresh = build();
                assert!(
                    fresh.to_vec() == listing.to_vec(),
                    "the {} view's rows changed at fleet version {fleet}: something \
                         changed the fleet without AppState::fleet_changed",
                    view.title()
                );
            }
            return listing;
        }
        // Made without the lock: making it may ask for the lookups.
        drop(kept);
        let started = std::time::Instant::now();
        let listing = Arc::new(build());
        made(view.title(), started);
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        keep(
            &mut kept.listings,
            (view, stamp, listing.clone()),
            |(v, _, _)| *v == view,
        );
        listing
    }

    /// Whether the listing of `view` at `fleet`, as `list` says, is kept.
    pub fn has_listing(&self, view: View, fleet: u64, list: &super::super::ListState) -> bool {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (kept.listings.iter()).any(|(v, s, _)| {
            *v == view && s.fleet == fleet && s.filter == list.filter && s.sort == list.sort
        })
    }

    /// What `build` makes of the fleet at `version` (of the parts it reads), kept by `name`
    /// until that version changes: a view's figures that are not rows (the Health view's
    /// chains, the Zones view's counts). A debug build checks each reuse by building again.
    pub fn derived<T: Any + Send + Sync + PartialEq + std::fmt::Debug>(
        &self,
        name: &'static str,
        version: u64,
        build: impl FnOnce() -> T,
    ) -> Arc<T> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let found = (kept.derived.iter())
            .find(|(n, v, _)| *n == name && *v == version)
            .and_then(|(_, _, made)| made.clone().downcast::<T>().ok());
        drop(kept);
        if let Some(made) = found {
            #[cfg(debug_assertions)]
            {
                let fresh = build();
                assert!(
                    fresh == *made,
                    "{name} changed at version {version}: something changed the fleet \
                     without AppState::part_changed"
                );
            }
            return made;
        }
        let started = std::time::Instant::now();
        let made = Arc::new(build());
        self::made(name, started);
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        keep(
            &mut kept.derived,
            (name, version, made.clone()),
            |(n, _, _)| *n == name,
        );
        made
    }

    /// Whether what `build` makes is kept by `name`, at `version` (or at any, for None).
    pub fn has_derived(&self, name: &str, version: Option<u64>) -> bool {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (kept.derived.iter()).any(|(n, v, _)| *n == name && version.is_none_or(|x| x == *v))
    }

    /// The lookups of `fleet` at version `version`.
    pub fn lookups(&self, version: u64, fleet: &Snapshot) -> Arc<Lookups> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, lookups)) = kept.lookups.iter().find(|(v, _)| *v == version) {
            let lookups = lookups.clone();
            drop(kept);
            #[cfg(debug_assertions)]
            assert!(
                lookups.by_id.len() == fleet.instances.len()
                    && lookups.outs == fleet.out_of_service(),
                "the fleet changed at version {version} without AppState::fleet_changed"
            );
            return lookups;
        }
        drop(kept);
        let started = std::time::Instant::now();
        let lookups = Arc::new(Lookups::new(fleet));
        made("lookups", started);
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        keep(&mut kept.lookups, (version, lookups.clone()), |_| true);
        lookups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_order_ids_as_the_ids_are_ordered() {
        let ids = [
            "",
            "a",
            "a\u{0}",
            "ab",
            "i-0123456789abcdef0",
            "i-0123456789abcdef1",
            "i-0123456789abcdf",
            "i-1",
            "i-01234567890abcdef",
        ];
        for a in ids {
            for b in ids {
                if prefix(a) != prefix(b) {
                    assert_eq!(prefix(a).cmp(&prefix(b)), a.cmp(b), "{a:?} against {b:?}");
                }
            }
        }
    }

    #[test]
    fn lookups_find_every_instance_and_only_those() {
        use crate::model::{Instance, InstanceState, Snapshot, WorldInfo};
        let world = WorldInfo::Simulated {
            scenario: "test".into(),
            seed: 1,
            speed: 1.0,
            region: "us-east-1".into(),
        };
        let now = chrono::Utc::now();
        let mut fleet = Snapshot::empty(world, now);
        let ids = [
            "i-0123456789abcdef1",
            "i-2",
            "i-0123456789abcdef0",
            "i-01234567",
        ];
        fleet.instances = Arc::new(
            (ids.iter())
                .map(|id| Instance {
                    id: id.to_string(),
                    name: None,
                    state: InstanceState::Running,
                    zone: "us-east-1a".into(),
                    subnet_id: String::new(),
                    vpc_id: String::new(),
                    private_ip: None,
                    public_ip: None,
                    instance_type: "t3.micro".into(),
                    launched_at: now,
                    tags: Default::default(),
                    auto_scaling_group: None,
                })
                .collect(),
        );
        let lookups = Lookups::new(&fleet);
        for id in ids {
            assert_eq!(
                lookups.instance(&fleet, id).map(|i| i.id.as_str()),
                Some(id)
            );
        }
        for id in ["i-0123456789abcdef", "i-0123456789abcdef2", "i-3", ""] {
            assert!(lookups.instance(&fleet, id).is_none(), "{id}");
        }
    }

    #[test]
    fn derived_figures_are_kept_by_name_until_their_version_changes() {
        let cache = RowCache::default();
        let built = std::cell::Cell::new(0);
        let build = |n: u32| {
            built.set(built.get() + 1);
            n
        };
        assert_eq!(*cache.derived("a", 1, || build(7)), 7);
        assert_eq!(*cache.derived("b", 1, || build(8)), 8);
        let checks = if cfg!(debug_assertions) { 1 } else { 0 };
        assert_eq!(*cache.derived("a", 1, || build(7)), 7);
        assert_eq!(built.get(), 2 + checks);
        assert_eq!(*cache.derived("a", 2, || build(9)), 9);
        assert_eq!(built.get(), 3 + checks);
        assert_eq!(*cache.derived("b", 1, || build(8)), 8, "b is still kept");
        assert_eq!(built.get(), 3 + 2 * checks);
    }

    #[test]
    fn a_listing_finds_each_key_where_it_is_shown() {
        let keys: Vec<String> = ["c", "a", "b", "aa"].map(String::from).to_vec();
        let l = Listing::new(keys);
        assert_eq!(l.position("c"), Some(0));
        assert_eq!(l.position("a"), Some(1));
        assert_eq!(l.position("b"), Some(2));
        assert_eq!(l.position("aa"), Some(3));
        assert_eq!(l.position("d"), None);
        assert_eq!(Listing::new(vec![]).position("a"), None);
    }

    #[test]
    fn a_listing_is_kept_until_the_fleet_or_the_listing_changes() {
        let cache = RowCache::default();
        let mut list = super::super::super::ListState::default();
        let built = std::cell::Cell::new(0);
        let build = || {
            built.set(built.get() + 1);
            Listing::new(vec!["k".to_string()])
        };
        cache.listing(View::Targets, 1, &list, build);
        cache.listing(View::Targets, 1, &list, build);
        // A debug build checks each reuse by building again.
        let checks = if cfg!(debug_assertions) { 1 } else { 0 };
        assert_eq!(built.get(), 1 + checks);
        cache.listing(View::Targets, 2, &list, build);
        assert_eq!(built.get(), 2 + checks);
        list.filter = "x".into();
        cache.listing(View::Targets, 2, &list, build);
        assert_eq!(built.get(), 3 + checks);
        // Another view has its own.
        cache.listing(View::Instances, 2, &list, build);
        assert_eq!(built.get(), 4 + checks);
    }
}
