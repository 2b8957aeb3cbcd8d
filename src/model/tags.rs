//! Resource tags: a few key/value pairs per resource, held as a sorted list. A `BTreeMap`
//! holds the same in a node of room for eleven pairs (over 500 bytes, whatever the count),
//! which at 10,000 instances, held by the world, the poller and the console, is most of
//! what the tags cost.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Free-form resource tags, sorted by key, each key once.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Tags(Vec<(String, String)>);

impl Tags {
    pub fn new() -> Tags {
        Tags(Vec::new())
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&String> {
        self.find(key).ok().map(|at| &self.0[at].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.find(key).ok().map(|at| self.0.remove(at).1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each pair, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Keeps only the pairs `keep` says.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut String) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<'a> IntoIterator for &'a Tags {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl IntoIterator for Tags {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// As a map is made: a key given twice keeps its last value.
impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Tags {
        let mut tags = Tags::new();
        tags.extend(pairs);
        tags
    }
}

impl Extend<(String, String)> for Tags {
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, pairs: I) {
        for (k, v) in pairs {
            self.insert(k, v);
        }
        self.0.shrink_to_fit();
    }
}

impl<const N: usize> From<[(String, String); N]> for Tags {
    fn from(pairs: [(String, String); N]) -> Tags {
        pairs.into_iter().collect()
    }
}

impl std::fmt::Debug for Tags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A map, as a `BTreeMap` of the same pairs would be.
impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tags, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(Tags(map.into_iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn tags_behave_as_a_sorted_map() {
        let pairs = [("b", "2"), ("a", "1"), ("c", "3"), ("a", "9")];
        let own = |(k, v): &(&str, &str)| (k.to_string(), v.to_string());
        let mut tags: Tags = pairs.iter().map(own).collect();
        let mut map: BTreeMap<String, String> = pairs.iter().map(own).collect();
        let same = |tags: &Tags, map: &BTreeMap<String, String>| {
            assert!(tags.iter().eq(map.iter()));
            assert_eq!(
                serde_json::to_string(tags).unwrap(),
                serde_json::to_string(map).unwrap()
            );
            assert_eq!(format!("{tags:?}"), format!("{map:?}"));
        };
        same(&tags, &map);
        assert_eq!(tags.get("a").map(String::as_str), Some("9"));
        assert_eq!(
            tags.insert("0".into(), "x".into()),
            map.insert("0".into(), "x".into())
        );
        assert_eq!(
            tags.insert("b".into(), "y".into()),
            map.insert("b".into(), "y".into())
        );
        assert_eq!(tags.remove("c"), map.remove("c"));
        assert_eq!(tags.remove("zz"), map.remove("zz"));
        same(&tags, &map);
        assert!(tags.contains_key("0") && !tags.contains_key("c"));
        let read: Tags = serde_json::from_str(r#"{"z":"1","m":"2"}"#).unwrap();
        assert_eq!(read.keys().collect::<Vec<_>>(), ["m", "z"]);
    }
}
