//! The scenarios shipped inside the binary.

/// Scenarios shipped inside the binary, by name.
pub(super) const EMBEDDED: &[(&str, &str)] = &[
    (
        "default",
        include_str!("../../../../assets/scenarios/default.toml"),
    ),
    (
        "instance-crash",
        include_str!("../../../../assets/scenarios/instance-crash.toml"),
    ),
    (
        "az-outage",
        include_str!("../../../../assets/scenarios/az-outage.toml"),
    ),
    (
        "primary-failure",
        include_str!("../../../../assets/scenarios/primary-failure.toml"),
    ),
    (
        "db-down",
        include_str!("../../../../assets/scenarios/db-down.toml"),
    ),
    (
        "shallow-check",
        include_str!("../../../../assets/scenarios/shallow-check.toml"),
    ),
    (
        "traffic-spike",
        include_str!("../../../../assets/scenarios/traffic-spike.toml"),
    ),
    (
        "clone-and-scale",
        include_str!("../../../../assets/scenarios/clone-and-scale.toml"),
    ),
    (
        "nfs-overload",
        include_str!("../../../../assets/scenarios/nfs-overload.toml"),
    ),
    (
        "nfs-replica",
        include_str!("../../../../assets/scenarios/nfs-replica.toml"),
    ),
    (
        "maintenance-window",
        include_str!("../../../../assets/scenarios/maintenance-window.toml"),
    ),
    (
        "large-fleet",
        include_str!("../../../../assets/scenarios/large-fleet.toml"),
    ),
];

/// Names of the embedded scenarios, in listing order.
pub fn embedded_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(name, _)| *name)
}
