mod plant {
    #[allow(unused_imports)]
    pub use self::__coact_plant_state::__coact_plant_state_value_sprouting as sprouting;
    fn __coact_state_sprouting() -> ::coact::__private::Next<
        PlantState,
        __coact_plant_state::sprouting,
    > {
        #[allow(unused_imports)]
        use __coact_plant_state::dead as dead;
        #[allow(unused_imports)]
        use __coact_plant_state::growing as growing;
        #[allow(unused_imports)]
        use __coact_plant_state::sprouting as sprouting;
        growing(3)
    }
    #[allow(unused_imports)]
    pub use self::__coact_plant_state::__coact_plant_state_value_growing as growing;
    fn __coact_state_growing(
        days: u32,
    ) -> ::coact::__private::Next<PlantState, __coact_plant_state::growing> {
        #[allow(unused_imports)]
        use __coact_plant_state::dead as dead;
        #[allow(unused_imports)]
        use __coact_plant_state::growing as growing;
        #[allow(unused_imports)]
        use __coact_plant_state::sprouting as sprouting;
        if days > 2 { dead(false) } else { sprouting() }
    }
    #[allow(unused_imports)]
    pub use self::__coact_plant_state::__coact_plant_state_value_dead as dead;
    /// The end.
    fn __coact_state_dead(eaten: bool) -> bool {
        #[allow(unused_imports)]
        use __coact_plant_state::dead as dead;
        #[allow(unused_imports)]
        use __coact_plant_state::growing as growing;
        #[allow(unused_imports)]
        use __coact_plant_state::sprouting as sprouting;
        eaten
    }
    fn log(state: &PlantState) {
        let _ = state;
    }
    ///The states of machine `plant`: one variant per `#[state]`, holding its arguments. A value names the state a machine starts in (see `coact::state::run` and `coact::state::spawn`).
    pub enum PlantState {
        ///The state `sprouting`.
        ///
        Sprouting,
        ///The state `growing`.
        ///
        Growing {
            ///Argument `days` of `growing`.
            days: u32,
        },
        ///The state `dead`.
        ///
        /// The end.
        Dead {
            ///Argument `eaten` of `dead`.
            eaten: bool,
        },
    }
    #[automatically_derived]
    impl ::core::fmt::Debug for PlantState {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            #[allow(unused_imports)]
            use ::coact::__private::{DebugArgOpaque as _, DebugArgShown as _};
            match *self {
                Self::Sprouting => f.write_str("Sprouting"),
                Self::Growing { ref days } => {
                    f.debug_struct("Growing")
                        .field(
                            "days",
                            (&&::coact::__private::DebugArg(days)).coact_debug_arg(),
                        )
                        .finish()
                }
                Self::Dead { ref eaten } => {
                    f.debug_struct("Dead")
                        .field(
                            "eaten",
                            (&&::coact::__private::DebugArg(eaten)).coact_debug_arg(),
                        )
                        .finish()
                }
            }
        }
    }
    #[allow(dead_code)]
    impl PlantState {
        ///The declared states and transitions of machine `plant` (printable as Mermaid or Graphviz DOT); the same as `Machine::GRAPH`.
        pub const GRAPH: &'static ::coact::__private::Graph = <Self as ::coact::__private::Machine>::GRAPH;
        /// The name of the state this value starts, as written in the source.
        #[must_use]
        pub fn name(&self) -> &'static str {
            ::coact::__private::Machine::name(self)
        }
    }
    impl ::coact::__private::Machine for PlantState {
        type Object = ();
        type Output = bool;
        const GRAPH: &'static ::coact::__private::Graph = &::coact::__private::graph(
            "plant",
            &[
                ::coact::__private::state_info("sprouting", &["growing"], false),
                ::coact::__private::state_info("growing", &["dead", "sprouting"], true),
                ::coact::__private::state_info("dead", &[], true),
            ],
        );
        #[inline]
        fn __index(&self) -> usize {
            match *self {
                Self::Sprouting => 0usize,
                Self::Growing { .. } => 1usize,
                Self::Dead { .. } => 2usize,
            }
        }
        fn __without_arguments(index: usize) -> ::core::option::Option<Self> {
            match index {
                0usize => ::core::option::Option::Some(Self::Sprouting),
                _ => ::core::option::Option::None,
            }
        }
        fn __run<__CoactTrack: ::coact::__private::Track>(
            self,
            __coact_object: &mut (),
            mut __coact_track: __CoactTrack,
        ) -> impl ::coact::__private::Future<
            Output = ::core::option::Option<Self::Output>,
        > + ::core::marker::Send {
            async move {
                let mut __coact_state = self;
                loop {
                    let __coact_next = match {
                        ::coact::__private::SyncMachine::__step_sync(
                            __coact_state,
                            __coact_object,
                        )
                    } {
                        ::coact::__private::Step::Next(__coact_next) => __coact_next,
                        ::coact::__private::Step::Done(__coact_output) => {
                            return ::core::option::Option::Some(__coact_output);
                        }
                    };
                    if !::coact::__private::Track::enter(
                        &mut __coact_track,
                        ::coact::__private::Machine::__index(&__coact_next),
                    ) {
                        return ::core::option::Option::None;
                    }
                    __coact_state = __coact_next;
                }
            }
        }
    }
    impl ::coact::__private::SyncMachine for PlantState {
        fn __step_sync(self, _: &mut ()) -> ::coact::__private::Step<Self> {
            if let Self::Growing { .. } = &self {
                ::coact::__private::on_start::<
                    Self,
                    _,
                    _,
                >(
                    {
                        #[allow(unused_imports, clippy::wildcard_imports)]
                        use super::*;
                        {
                            #[allow(unused_imports, clippy::wildcard_imports)]
                            use self::*;
                            log
                        }
                    },
                    &self,
                );
            }
            match self {
                Self::Sprouting => {
                    ::coact::__private::Step::Next(
                        ::coact::__private::state_of(__coact_state_sprouting()),
                    )
                }
                Self::Growing { days } => {
                    ::coact::__private::Step::Next(
                        ::coact::__private::state_of(__coact_state_growing(days)),
                    )
                }
                Self::Dead { eaten } => {
                    ::coact::__private::Step::Done(__coact_state_dead(eaten))
                }
            }
        }
    }
    #[doc(hidden)]
    #[allow(non_camel_case_types)]
    pub mod __coact_plant_state {
        #[allow(unused_imports)]
        use super::*;
        ///Enters the state [`sprouting`](PlantState::Sprouting): return this from a state that declares it in `transitions_to`.
        ///
        #[must_use = "a transition takes effect when the state returns it"]
        #[allow(dead_code)]
        pub(super) fn sprouting<__N: self::PlantStateTransition>() -> __N
        where
            <__N as self::PlantStateTransition>::Source: self::transitions_to<
                self::sprouting,
            >,
        {
            <__N as self::PlantStateTransition>::accept(PlantState::Sprouting)
        }
        ///Enters the state [`growing`](PlantState::Growing): return this from a state that declares it in `transitions_to`.
        ///
        #[must_use = "a transition takes effect when the state returns it"]
        #[allow(dead_code)]
        pub(super) fn growing<__N: self::PlantStateTransition>(days: u32) -> __N
        where
            <__N as self::PlantStateTransition>::Source: self::transitions_to<
                self::growing,
            >,
        {
            <__N as self::PlantStateTransition>::accept(PlantState::Growing { days })
        }
        ///Enters the state [`dead`](PlantState::Dead): return this from a state that declares it in `transitions_to`.
        ///
        /// The end.
        #[must_use = "a transition takes effect when the state returns it"]
        #[allow(dead_code)]
        pub(super) fn dead<__N: self::PlantStateTransition>(eaten: bool) -> __N
        where
            <__N as self::PlantStateTransition>::Source: self::transitions_to<
                self::dead,
            >,
        {
            <__N as self::PlantStateTransition>::accept(PlantState::Dead { eaten })
        }
        ///The state [`sprouting`](PlantState::Sprouting) with these arguments, as a value of [`PlantState`]: where a machine can start.
        ///
        ///Inside a state of the machine, `sprouting(…)` enters this state instead, where that state's `transitions_to` declares it.
        ///
        #[must_use]
        #[allow(dead_code)]
        pub fn __coact_plant_state_value_sprouting() -> PlantState {
            PlantState::Sprouting
        }
        ///The state [`growing`](PlantState::Growing) with these arguments, as a value of [`PlantState`]: where a machine can start.
        ///
        ///Inside a state of the machine, `growing(…)` enters this state instead, where that state's `transitions_to` declares it.
        ///
        #[must_use]
        #[allow(dead_code)]
        pub fn __coact_plant_state_value_growing(days: u32) -> PlantState {
            PlantState::Growing { days }
        }
        ///The state [`dead`](PlantState::Dead) with these arguments, as a value of [`PlantState`]: where a machine can start.
        ///
        ///Inside a state of the machine, `dead(…)` enters this state instead, where that state's `transitions_to` declares it.
        ///
        /// The end.
        #[must_use]
        #[allow(dead_code)]
        pub fn __coact_plant_state_value_dead(eaten: bool) -> PlantState {
            PlantState::Dead { eaten }
        }
        #[diagnostic::on_unimplemented(
            message = "`{Self}` cannot hold a transition of machine `plant`",
            label = "a terminal state returns the machine's result, not a transition",
            note = "a state enters another by returning its constructor's value (`next(…)`) as its result; a terminal state cannot enter any"
        )]
        pub trait PlantStateTransition {
            type Source;
            fn accept(state: PlantState) -> Self;
        }
        #[diagnostic::on_unimplemented(
            message = "state `{Self}` cannot transition to `{T}`",
            label = "`{Self}` does not declare this transition",
            note = "to allow it, add `{T}` to `transitions_to` in the `#[state(…)]` of `{Self}`"
        )]
        pub trait transitions_to<T> {}
        pub struct sprouting {}
        pub struct growing {}
        pub struct dead {}
        /// The source of the enum's values, which may start in any state.
        pub struct __AnyState {}
        impl<T> transitions_to<T> for __AnyState {}
        impl transitions_to<growing> for sprouting {}
        impl transitions_to<dead> for growing {}
        impl transitions_to<sprouting> for growing {}
    }
    #[diagnostic::do_not_recommend]
    impl __coact_plant_state::PlantStateTransition for PlantState {
        type Source = __coact_plant_state::__AnyState;
        fn accept(state: PlantState) -> Self {
            state
        }
    }
    #[diagnostic::do_not_recommend]
    impl __coact_plant_state::PlantStateTransition
    for ::coact::__private::Next<PlantState, __coact_plant_state::sprouting> {
        type Source = __coact_plant_state::sprouting;
        fn accept(state: PlantState) -> Self {
            ::coact::__private::next_state(state)
        }
    }
    #[diagnostic::do_not_recommend]
    impl __coact_plant_state::PlantStateTransition
    for ::coact::__private::Next<PlantState, __coact_plant_state::growing> {
        type Source = __coact_plant_state::growing;
        fn accept(state: PlantState) -> Self {
            ::coact::__private::next_state(state)
        }
    }
    impl ::coact::__private::StateMarker for __coact_plant_state::sprouting {
        const INDEX: usize = 0usize;
    }
    impl ::coact::__private::StateMarker for __coact_plant_state::growing {
        const INDEX: usize = 1usize;
    }
    impl ::coact::__private::StateMarker for __coact_plant_state::dead {
        const INDEX: usize = 2usize;
    }
}
