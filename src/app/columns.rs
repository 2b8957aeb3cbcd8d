//! Each view's columns as one enum: the title, the Shift-letter that sorts by it, the names
//! a `key=value` filter may use, its width, and (through `Row`) its cell text and tone. The
//! header, the cells, the filter, the sort and the export all come from the same variant,
//! so they cannot drift apart by position.

use crate::cloud::Source;
use crate::model::TargetHealthState;
use crate::patterns::Verdict;
use chrono::{DateTime, Utc};

/// How wide a column is drawn: exactly, or at least (taking what is left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Fixed(u16),
    Grow(u16),
}

/// What a cell means, for the theme to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Ok,
    Warn,
    Crit,
    Muted,
    Info,
    Title,
    /// Read from a source that is stale: never drawn as good (or bad) news.
    Stale,
}

impl Tone {
    /// The tone of a target state.
    pub fn of_target(state: TargetHealthState) -> Tone {
        match state {
            TargetHealthState::Healthy => Tone::Ok,
            TargetHealthState::Unhealthy | TargetHealthState::Unavailable => Tone::Crit,
            TargetHealthState::Initial | TargetHealthState::Draining => Tone::Warn,
            TargetHealthState::Unused => Tone::Muted,
        }
    }

    /// The tone of a verdict.
    pub fn of_verdict(verdict: Verdict) -> Tone {
        match verdict {
            Verdict::Pass => Tone::Ok,
            Verdict::Warn => Tone::Warn,
            Verdict::Fail => Tone::Crit,
            Verdict::NotApplicable => Tone::Muted,
            // Nothing could be judged: drawn like stale data, never like a warning.
            Verdict::Unknown => Tone::Stale,
        }
    }

    /// Warn when `bad`, plain otherwise.
    pub fn warn_if(bad: bool) -> Tone {
        if bad {
            Tone::Warn
        } else {
            Tone::Plain
        }
    }
}

/// One view's columns.
pub trait Column: Copy + Eq + std::fmt::Debug + 'static {
    /// Every column, in the order drawn, filtered and exported.
    const ALL: &'static [Self];
    fn title(self) -> &'static str;
    /// The Shift-letter that sorts by it (never `G`, which jumps to the last row).
    fn letter(self) -> char;
    /// The names a `key=value` filter may use; the first names it in JSON exports.
    fn keys(self) -> &'static [&'static str];
    fn width(self) -> Width;
    /// The sources its cells are read from: while one is stale, the cells say so.
    fn sources(self) -> &'static [Source];
    /// Kept at its width when the table is squeezed: what tells rows apart.
    fn keep(self) -> bool {
        false
    }
    /// Drawn in the table (a column that is not is still filtered, sorted and exported,
    /// and the view shows it elsewhere).
    fn drawn(self) -> bool {
        true
    }
    /// Drawn only when the table is wide enough for every column at its full width (a
    /// narrow terminal drops it rather than squeezing every column to a stub).
    fn wide_only(self) -> bool {
        false
    }
}

/// One row of a view's table.
pub trait Row {
    type Col: Column;
    /// What keeps it selected as rows move.
    fn key(&self) -> String;
    /// The text that is filtered, sorted and exported.
    fn cell(&self, column: Self::Col) -> String;
    /// The text drawn, when it differs from the cell (an age for a timestamp).
    fn shown(&self, column: Self::Col, _now: DateTime<Utc>) -> String {
        self.cell(column)
    }
    fn tone(&self, _column: Self::Col) -> Tone {
        Tone::Plain
    }
    /// The id (or ARN) `y` copies; the key unless the row says otherwise.
    fn copy_id(&self) -> Option<String> {
        Some(self.key())
    }
}

/// A column as the view-independent code sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnInfo {
    pub title: &'static str,
    pub letter: char,
    pub keys: &'static [&'static str],
    /// Drawn in the table (always, or only when it is wide enough).
    pub drawn: bool,
    pub wide_only: bool,
    /// The sources its cells are read from.
    pub sources: &'static [Source],
}

/// The columns of one enum, in order.
pub fn info<C: Column>() -> Vec<ColumnInfo> {
    C::ALL
        .iter()
        .map(|c| ColumnInfo {
            title: c.title(),
            letter: c.letter(),
            keys: c.keys(),
            drawn: c.drawn(),
            wide_only: c.wide_only(),
            sources: c.sources(),
        })
        .collect()
}

/// Declares a view's column enum and its table of title, letter, keys and width.
macro_rules! columns {
    ($(#[$doc:meta])* $name:ident {
        $($variant:ident: $title:literal, $letter:literal, [$($key:literal),+], $width:expr,
            [$($source:ident),*];)+
    } keep [$($keep:ident),*] hidden [$($hidden:ident),*] $(wide [$($wide:ident),*])?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl Column for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn title(self) -> &'static str {
                match self { $($name::$variant => $title),+ }
            }
            fn letter(self) -> char {
                match self { $($name::$variant => $letter),+ }
            }
            fn keys(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($key),+]),+ }
            }
            fn width(self) -> Width {
                match self { $($name::$variant => $width),+ }
            }
            fn sources(self) -> &'static [Source] {
                match self { $($name::$variant => &[$(Source::$source),*]),+ }
            }
            #[allow(unreachable_patterns)]
            fn keep(self) -> bool {
                match self {
                    $($name::$keep => true,)*
                    _ => false,
                }
            }
            #[allow(unreachable_patterns)]
            fn drawn(self) -> bool {
                match self {
                    $($name::$hidden => false,)*
                    _ => true,
                }
            }
            #[allow(unreachable_patterns)]
            fn wide_only(self) -> bool {
                match self {
                    $($($name::$wide => true,)*)?
                    _ => false,
                }
            }
        }
    };
}

use Width::{Fixed, Grow};

columns! {
    /// View 2, Targets.
    TargetCol {
        Group: "GROUP", 'R', ["group", "tg"], Fixed(12),
            [TargetGroups];
        Target: "TARGET", 'T', ["target", "id"], Fixed(24),
            [TargetGroups];
        Name: "NAME", 'N', ["name"], Fixed(13),
            [Instances];
        Zone: "AZ", 'A', ["az", "zone"], Fixed(11),
            [Instances];
        State: "STATE", 'S', ["state", "health"], Fixed(10),
            [TargetGroups, Instances];
        Reason: "REASON", 'E', ["reason"], Grow(16),
            [TargetGroups];
        Instance: "INSTANCE", 'I', ["instance"], Fixed(13),
            [Instances];
    } keep [Group, Target, State] hidden []
}

columns! {
    /// View 3, Capacity.
    GroupCol {
        Group: "GROUP", 'R', ["group", "name"], Grow(16),
            [AutoScaling];
        Min: "MIN", 'M', ["min"], Fixed(5),
            [AutoScaling];
        Desired: "DESIRED", 'D', ["desired"], Fixed(8),
            [AutoScaling];
        Max: "MAX", 'A', ["max"], Fixed(5),
            [AutoScaling];
        InService: "IN SERVICE", 'I', ["in_service", "inservice"], Fixed(11),
            [AutoScaling];
        Pending: "PENDING", 'P', ["pending"], Fixed(8),
            [AutoScaling];
        Terminating: "TERMINATING", 'T', ["terminating"], Fixed(12),
            [AutoScaling];
        Standby: "STANDBY", 'B', ["standby", "maintenance"], Fixed(8),
            [AutoScaling];
        Unhealthy: "UNHEALTHY", 'U', ["unhealthy"], Fixed(10),
            [AutoScaling];
        Zones: "AZS", 'Z', ["azs"], Fixed(4),
            [AutoScaling];
        Cpu: "CPU", 'C', ["cpu"], Fixed(6),
            [Metrics];
    } keep [Group] hidden []
}

columns! {
    /// View 4, Elastic IPs.
    AddressCol {
        Address: "ADDRESS", 'A', ["address", "ip"], Fixed(15),
            [ElasticIps];
        Name: "NAME", 'N', ["name"], Fixed(14),
            [ElasticIps];
        Instance: "INSTANCE", 'I', ["instance", "id"], Fixed(21),
            [ElasticIps];
        InstanceName: "INST. NAME", 'S', ["instance_name"], Fixed(14),
            [Instances];
        Role: "ROLE", 'R', ["role"], Fixed(7),
            [Instances];
        State: "STATE", 'T', ["state"], Fixed(10),
            [ElasticIps, Instances];
        Health: "TARGET HEALTH", 'E', ["health"], Grow(14),
            [TargetGroups, Instances];
        SwapTo: "SWAP TO (s)", 'W', ["swap_to", "standby"], Grow(14),
            [ElasticIps, Instances, TargetGroups];
    } keep [Address, Instance, State] hidden [] wide [Name]
}

columns! {
    /// View 5, Zones.
    ZoneCol {
        Zone: "ZONE", 'Z', ["zone", "az"], Fixed(15),
            [Instances];
        Instances: "INSTANCES", 'I', ["instances", "running"], Fixed(12),
            [Instances];
        Pending: "PENDING", 'P', ["pending"], Fixed(7),
            [Instances];
        Healthy: "HEALTHY", 'H', ["healthy"], Fixed(12),
            [TargetGroups, Instances];
        Unhealthy: "UNHEALTHY", 'U', ["unhealthy"], Fixed(9),
            [TargetGroups];
        Out: "OUT", 'O', ["out", "maintenance"], Fixed(4),
            [Instances, AutoScaling];
        IfLost: "IF AZ IS LOST", 'F', ["if_lost"], Grow(16),
            [TargetGroups, Instances, AutoScaling];
    } keep [Zone] hidden []
}

columns! {
    /// View 9, Instances.
    InstanceCol {
        Name: "NAME", 'N', ["name"], Fixed(13),
            [Instances];
        Instance: "INSTANCE", 'I', ["instance", "id"], Fixed(20),
            [Instances];
        State: "STATE", 'S', ["state"], Fixed(10),
            [Instances, AutoScaling];
        Zone: "AZ", 'A', ["az", "zone"], Fixed(11),
            [Instances];
        Type: "TYPE", 'T', ["type"], Fixed(10),
            [Instances];
        Group: "GROUP", 'R', ["group", "asg"], Fixed(14),
            [Instances, AutoScaling];
        Role: "ROLE", 'O', ["role"], Fixed(8),
            [Instances];
        Address: "ADDRESS", 'D', ["address", "ip"], Fixed(15),
            [ElasticIps, Instances];
        Health: "TARGET HEALTH", 'H', ["health"], Grow(16),
            [TargetGroups];
        PrivateIp: "PRIVATE IP", 'P', ["private_ip"], Fixed(13),
            [Instances];
    } keep [Instance, State] hidden [PrivateIp] wide [Type, Role, Zone]
}

columns! {
    /// View 0, NFS: servers and replicas.
    NfsCol {
        Name: "NAME", 'N', ["name"], Fixed(10),
            [Instances];
        Instance: "INSTANCE", 'I', ["instance", "id"], Fixed(19),
            [Instances];
        Role: "ROLE", 'R', ["role"], Fixed(7),
            [Instances];
        State: "STATE", 'S', ["state"], Fixed(7),
            [Instances];
        Zone: "AZ", 'A', ["az", "zone"], Fixed(11),
            [Instances];
        Clients: "CLIENTS", 'C', ["clients"], Fixed(7),
            [Instances];
        Latency: "LATENCY", 'L', ["latency"], Fixed(8),
            [Metrics];
        Content: "CONTENT", 'V', ["content", "version"], Grow(12),
            [Instances];
    } keep [Instance, Role] hidden [] wide [Zone]
}

columns! {
    /// View 6, Images.
    ImageCol {
        Name: "NAME", 'N', ["name"], Grow(24),
            [Images];
        Image: "IMAGE", 'I', ["image", "id"], Fixed(22),
            [Images];
        State: "STATE", 'S', ["state"], Fixed(10),
            [Images];
        Source: "MADE FROM", 'M', ["source", "from"], Grow(20),
            [Images, Instances];
        Created: "CREATED", 'C', ["created", "age"], Fixed(7),
            [Images];
    } keep [Image] hidden []
}

columns! {
    /// View 8, Events: what changed, newest first.
    EventCol {
        Time: "TIME", 'T', ["time", "at"], Fixed(8),
            [];
        Kind: "KIND", 'K', ["kind"], Fixed(9),
            [];
        Resource: "RESOURCE", 'R', ["resource", "id"], Fixed(30),
            [];
        Name: "NAME", 'N', ["name"], Fixed(10),
            [];
        Zone: "AZ", 'A', ["az", "zone"], Fixed(11),
            [];
        State: "STATE", 'S', ["state", "after"], Fixed(11),
            [];
        From: "FROM", 'F', ["from", "before"], Fixed(11),
            [];
        Detail: "DETAIL", 'D', ["detail", "reason", "cause"], Grow(20),
            [];
    } keep [Time, Kind, State] hidden []
}

columns! {
    /// View 7, Patterns. The resources are shown under the table, for the selected finding.
    /// A finding's staleness is its report's (`FindingRow::tone`), not a column's.
    FindingCol {
        Pattern: "PATTERN", 'P', ["pattern"], Fixed(30),
            [];
        State: "STATE", 'S', ["state", "verdict"], Fixed(7),
            [];
        Finding: "FINDING", 'F', ["finding", "reason"], Grow(30),
            [];
        Resources: "RESOURCES", 'R', ["resources", "resource"], Grow(10),
            [];
    } keep [Pattern] hidden [Resources]
}

columns! {
    /// View -, Health: each target's ELB verdict beside patrol's probe of its page.
    HealthCol {
        Group: "GROUP", 'R', ["group", "tg"], Fixed(14),
            [TargetGroups];
        Target: "TARGET", 'T', ["target", "id", "instance"], Fixed(19),
            [TargetGroups];
        Name: "NAME", 'N', ["name"], Fixed(10),
            [Instances];
        Zone: "AZ", 'A', ["az", "zone"], Fixed(11),
            [Instances];
        Elb: "ELB", 'E', ["elb", "state"], Fixed(9),
            [TargetGroups];
        Probe: "PROBE", 'B', ["probe", "page"], Fixed(14),
            [Probes];
        Latency: "LATENCY", 'L', ["latency"], Fixed(8),
            [Probes];
        Verdict: "ELB VS PROBE", 'V', ["verdict", "says"], Grow(31),
            [TargetGroups, Probes];
        Path: "PATH", 'P', ["path"], Fixed(14),
            [Probes];
    } keep [Elb, Verdict] hidden [Path] wide [Name, Zone, Latency]
}

columns! {
    /// The Fleet view (`:fleet`): one row per watched target.
    BoardCol {
        Target: "TARGET", 'T', ["target", "name"], Fixed(12),
            [];
        Account: "ACCOUNT", 'C', ["account"], Fixed(12),
            [];
        Region: "REGION", 'R', ["region"], Fixed(12),
            [];
        Profile: "PROFILE", 'P', ["profile"], Fixed(12),
            [];
        MultiServer: "MS", 'M', ["ms", "multi-server"], Fixed(2),
            [];
        MultiDataCenter: "MD", 'D', ["md", "multi-datacenter"], Fixed(2),
            [];
        FloatingIp: "FI", 'F', ["fi", "floating-ip"], Fixed(2),
            [];
        DeepHealthCheck: "DH", 'H', ["dh", "deep-health-check"], Fixed(2),
            [];
        ScaleOut: "SO", 'O', ["so", "scale-out"], Fixed(2),
            [];
        CloneServer: "CS", 'L', ["cs", "clone-server"], Fixed(2),
            [];
        NfsSharing: "NS", 'N', ["ns", "nfs-sharing"], Fixed(2),
            [];
        NfsReplica: "NR", 'E', ["nr", "nfs-replica"], Fixed(2),
            [];
        Unhealthy: "UNHEALTHY", 'U', ["unhealthy"], Fixed(9),
            [];
        AtLimit: "LIMIT", 'I', ["limit", "capacity"], Fixed(5),
            [];
        Floating: "FLOAT", 'B', ["floating", "float"], Fixed(5),
            [];
        DarkZones: "DARK", 'Z', ["dark", "zones"], Fixed(4),
            [];
        Age: "AGE", 'Y', ["age"], Fixed(5),
            [];
        Error: "ERROR", 'X', ["error"], Grow(14),
            [];
    } keep [Target, MultiServer, MultiDataCenter, FloatingIp, DeepHealthCheck, ScaleOut, CloneServer, NfsSharing, NfsReplica, Unhealthy] hidden [] wide [Account, Profile, Region, Age]
}
