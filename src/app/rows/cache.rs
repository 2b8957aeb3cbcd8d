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
use std::sync::{Arc, Mutex};

/// The rows of one view, in the order shown, by key.
#[derive(Debug, Default)]
pub struct Listing {
    pub keys: Vec<String>,
    /// Positions in `keys`, ordered by key, for finding a row by key.
    by_key: Vec<u32>,
}

impl Listing {
    pub fn new(keys: Vec<String>) -> Self {
        let mut by_key: Vec<u32> = (0..keys.len() as u32).collect();
        by_key.sort_unstable_by(|a, b| keys[*a as usize].cmp(&keys[*b as usize]));
        Listing { keys, by_key }
    }

    /// Where the row of `key` is.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.by_key
            .binary_search_by(|p| self.keys[*p as usize].as_str().cmp(key))
            .ok()
            .map(|at| self.by_key[at] as usize)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Lookups over one version of the fleet.
#[derive(Debug, Default)]
pub struct Lookups {
    /// Positions in `fleet.instances`, ordered by id.
    by_id: Vec<u32>,
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
    fn new(fleet: &Snapshot) -> Self {
        let ids = &fleet.instances;
        let mut by_id: Vec<u32> = (0..ids.len() as u32).collect();
        by_id.sort_unstable_by(|a, b| ids[*a as usize].id.cmp(&ids[*b as usize].id));
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
        let found = self
            .by_id
            .binary_search_by(|p| fleet.instances[*p as usize].id.as_str().cmp(id))
            .ok()?;
        Some(self.by_id[found] as usize)
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

/// What a listing was made from: the fleet's version and how the view is listed.
#[derive(Debug, Clone, PartialEq)]
struct Stamp {
    fleet: u64,
    filter: String,
    sort: Option<SortBy>,
}

#[derive(Debug, Default)]
struct Kept {
    listings: Vec<Option<(Stamp, Arc<Listing>)>>,
    lookups: Option<(u64, Arc<Lookups>)>,
}

/// The kept listings and lookups of one console state. A copy of the state starts with
/// none; two states are equal whatever they keep.
#[derive(Debug, Default)]
pub struct RowCache(Mutex<Kept>);

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
    /// The listing of `view` at fleet version `fleet`, filtered and sorted as given: kept,
    /// or made by `build` (the keys in order) and kept.
    pub fn listing(
        &self,
        view: View,
        fleet: u64,
        list: &super::super::ListState,
        build: impl FnOnce() -> Vec<String>,
    ) -> Arc<Listing> {
        let stamp = Stamp {
            fleet,
            filter: list.filter.clone(),
            sort: list.sort,
        };
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.listings.len() < View::ALL.len() {
            kept.listings.resize_with(View::ALL.len(), || None);
        }
        if let Some((s, listing)) = &kept.listings[view.index()] {
            if *s == stamp {
                let listing = listing.clone();
                drop(kept);
                #[cfg(debug_assertions)]
                {
                    let fresh = build();
                    assert!(
                        fresh == listing.keys,
                        "the {} view's rows changed at fleet version {fleet}: something \
                         changed the fleet without AppState::fleet_changed",
                        view.title()
                    );
                }
                return listing;
            }
        }
        // Made without the lock: making it may ask for the lookups.
        drop(kept);
        let listing = Arc::new(Listing::new(build()));
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.listings[view.index()] = Some((stamp, listing.clone()));
        listing
    }

    /// The lookups of `fleet` at version `version`.
    pub fn lookups(&self, version: u64, fleet: &Snapshot) -> Arc<Lookups> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((v, lookups)) = &kept.lookups {
            if *v == version {
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
        }
        drop(kept);
        let lookups = Arc::new(Lookups::new(fleet));
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        kept.lookups = Some((version, lookups.clone()));
        lookups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            vec!["k".to_string()]
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
