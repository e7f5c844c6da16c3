//! The declared states and transitions of a machine ([`Graph`]), the check of a
//! transition against them, and their rendering as Mermaid and Graphviz DOT.

use std::fmt::Write as _;

use super::{TransitionError, ValidationError};

/// The declared states of a machine and their transitions, in declaration order.
#[derive(Debug)]
pub struct Graph {
    pub(super) machine: &'static str,
    pub(super) states: &'static [StateInfo],
}

/// One declared state.
#[derive(Debug)]
pub struct StateInfo {
    pub(super) name: &'static str,
    pub(super) transitions_to: &'static [&'static str],
    pub(super) takes_arguments: bool,
}

impl StateInfo {
    /// The state's name, as written in the source.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The states it may enter, as declared by `transitions_to`.
    #[must_use]
    pub fn transitions_to(&self) -> &'static [&'static str] {
        self.transitions_to
    }

    /// Whether it is terminal (declares no transitions).
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        self.transitions_to.is_empty()
    }

    /// Whether it takes arguments (and so cannot be entered by name alone).
    #[must_use]
    pub fn takes_arguments(&self) -> bool {
        self.takes_arguments
    }
}

impl Graph {
    /// The machine's name: the module's or the type's.
    #[must_use]
    pub fn machine(&self) -> &'static str {
        self.machine
    }

    /// The states, in declaration order.
    #[must_use]
    pub fn states(&self) -> &'static [StateInfo] {
        self.states
    }

    /// The state called `name`.
    #[must_use]
    pub fn state(&self, name: &str) -> Option<&'static StateInfo> {
        self.states.iter().find(|s| s.name == name)
    }

    /// Checks a transition between two states named at run time.
    ///
    /// # Errors
    ///
    /// [`TransitionError::UnknownState`] for a name that is not a state, and
    /// [`TransitionError::Forbidden`] when `from` does not declare `to`.
    pub fn check(&self, from: &str, to: &str) -> Result<(), TransitionError> {
        let from = self.index_of(from)?;
        let to = self.index_of(to)?;
        self.validate(from, to).map_err(TransitionError::from)
    }

    pub(super) fn index_of(&self, name: &str) -> Result<usize, TransitionError> {
        self.states
            .iter()
            .position(|s| s.name == name)
            .ok_or_else(|| TransitionError::UnknownState {
                machine: self.machine,
                name: name.to_owned(),
                states: self.states.iter().map(|s| s.name).collect(),
            })
    }

    pub(super) fn validate(&self, from: usize, to: usize) -> Result<(), ValidationError> {
        let source = &self.states[from];
        let target = self.states[to].name;
        if source.transitions_to.contains(&target) {
            Ok(())
        } else {
            Err(ValidationError {
                machine: self.machine,
                from: source.name,
                to: target,
                allowed: source.transitions_to,
            })
        }
    }

    /// States that no other state enters: where a run is expected to begin.
    fn entry_points(&self) -> impl Iterator<Item = &'static StateInfo> + '_ {
        self.states.iter().filter(|state| {
            !self
                .states
                .iter()
                .any(|other| other.name != state.name && other.transitions_to.contains(&state.name))
        })
    }

    /// The graph as a Mermaid state diagram (`stateDiagram-v2`): states that no other
    /// state enters start from `[*]`, terminal states lead to `[*]`.
    #[must_use]
    pub fn mermaid(&self) -> String {
        let mut out = String::from("stateDiagram-v2\n");
        for state in self.entry_points() {
            let _ = writeln!(out, "    [*] --> {}", state.name);
        }
        for state in self.states {
            for target in state.transitions_to {
                let _ = writeln!(out, "    {} --> {target}", state.name);
            }
            if state.is_terminal() {
                let _ = writeln!(out, "    {} --> [*]", state.name);
            }
        }
        out
    }

    /// The graph in Graphviz DOT: terminal states are drawn as double circles.
    #[must_use]
    pub fn dot(&self) -> String {
        let mut out = format!("digraph {} {{\n", self.machine);
        for state in self.states {
            for target in state.transitions_to {
                let _ = writeln!(out, "    {} -> {target};", state.name);
            }
        }
        for state in self.states.iter().filter(|s| s.is_terminal()) {
            let _ = writeln!(out, "    {} [shape = doublecircle];", state.name);
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static LOOP: Graph = crate::state::generated::graph(
        "looping",
        &[
            crate::state::generated::state_info("spin", &["spin", "stop"], true),
            crate::state::generated::state_info("stop", &[], false),
            crate::state::generated::state_info("orphan", &["stop"], false),
        ],
    );

    #[test]
    fn a_state_entered_only_by_itself_is_an_entry_point() {
        assert_eq!(
            LOOP.mermaid(),
            "stateDiagram-v2\n    [*] --> spin\n    [*] --> orphan\n    spin --> spin\n    \
             spin --> stop\n    stop --> [*]\n    orphan --> stop\n"
        );
        assert_eq!(
            LOOP.dot(),
            "digraph looping {\n    spin -> spin;\n    spin -> stop;\n    orphan -> stop;\n    \
             stop [shape = doublecircle];\n}\n"
        );
    }

    #[test]
    fn checks_by_name() {
        assert_eq!(LOOP.check("spin", "spin"), Ok(()));
        assert!(matches!(
            LOOP.check("stop", "spin"),
            Err(TransitionError::Forbidden(e)) if e.allowed().is_empty()
        ));
        assert!(matches!(
            LOOP.check("nowhere", "spin"),
            Err(TransitionError::UnknownState { name, .. }) if name == "nowhere"
        ));
    }
}
