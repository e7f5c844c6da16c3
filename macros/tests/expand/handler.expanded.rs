impl Manager {
    /// The resources, as they are now.
    pub fn access_resources(&self) -> Vec<u32> {
        self.resources.clone()
    }
    pub fn update_resource(&mut self, i: usize, v: u32) {
        self.resources[i] = v;
    }
    pub async fn slow(&mut self) -> u32 {
        7
    }
}
///The methods of [`Manager`]'s deferred handler, for `Deferred::process_only`.
#[derive(
    ::core::clone::Clone,
    ::core::marker::Copy,
    ::core::fmt::Debug,
    ::core::cmp::PartialEq,
    ::core::cmp::Eq,
    ::core::hash::Hash
)]
pub enum ManagerMethod {
    ///A call to [`Manager::access_resources`].
    AccessResources,
    ///A call to [`Manager::update_resource`].
    UpdateResource,
    ///A call to [`Manager::slow`].
    Slow,
}
#[doc(hidden)]
#[allow(dead_code, non_camel_case_types)]
enum __ManagerCallKind {
    AccessResources((), ::coact::__private::Reply<Vec<u32>>),
    UpdateResource((usize, u32), ::coact::__private::Reply<()>),
    Slow((), ::coact::__private::Reply<u32>),
}
/// A queued call to a deferred handler (generated; not for direct use).
#[doc(hidden)]
pub struct ManagerCall(__ManagerCallKind);
impl ::core::convert::From<__ManagerCallKind> for ManagerCall {
    #[inline]
    fn from(kind: __ManagerCallKind) -> Self {
        Self(kind)
    }
}
/**Sync proxy of [`Manager`], from `handle.sync()`: each method queues a call, waits until the owner has run it and returns its value.

Chain [`timeout`](Self::timeout) to bound the wait.*/
pub struct ManagerSync<'__coact>(
    ::coact::__private::SyncProxy<'__coact, Manager>,
)
where
    Manager: ::coact::__private::Handler;
///Oneway proxy of [`Manager`], from `handle.oneway()`: each method queues a call and returns at once; a panic or returned `Err` of the method is logged through `tracing`.
pub struct ManagerOneway<'__coact>(
    ::coact::__private::OnewayProxy<'__coact, Manager>,
)
where
    Manager: ::coact::__private::Handler;
#[automatically_derived]
impl<'__coact> ::core::clone::Clone for ManagerSync<'__coact>
where
    Manager: ::coact::__private::Handler,
{
    fn clone(&self) -> Self {
        *self
    }
}
#[automatically_derived]
impl<'__coact> ::core::marker::Copy for ManagerSync<'__coact>
where
    Manager: ::coact::__private::Handler,
{}
#[automatically_derived]
impl<'__coact> ::core::clone::Clone for ManagerOneway<'__coact>
where
    Manager: ::coact::__private::Handler,
{
    fn clone(&self) -> Self {
        *self
    }
}
#[automatically_derived]
impl<'__coact> ::core::marker::Copy for ManagerOneway<'__coact>
where
    Manager: ::coact::__private::Handler,
{}
#[allow(dead_code)]
impl<'__coact> ManagerSync<'__coact>
where
    Manager: ::coact::__private::Handler<Call = ManagerCall>,
{
    /// Bounds how long each call made through this proxy waits for its result.
    ///
    /// A call that is still queued when the time runs out is withdrawn and never
    /// runs; one that has started finishes, but its result is discarded. Either way
    /// the caller gets `CallError::TimedOut`.
    #[must_use]
    pub fn timeout(self, limit: ::coact::__private::Duration) -> Self {
        Self(self.0.with_timeout(limit))
    }
    /// The resources, as they are now.
    ///
    /**Queues the call when awaited and resolves to `access_resources`'s value once the owner has run it.

# Errors

A `CallError` when the call could not complete: the owner is gone, the time set with `timeout` ran out, `access_resources` panicked, or the call was made from inside this same handler.*/
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn access_resources(
        self,
    ) -> ::coact::__private::SyncCall<'__coact, Manager, Vec<u32>> {
        self.0.call("access_resources", (), __ManagerCallKind::AccessResources)
    }
    /**Queues the call when awaited and resolves to `update_resource`'s value once the owner has run it.

# Errors

A `CallError` when the call could not complete: the owner is gone, the time set with `timeout` ran out, `update_resource` panicked, or the call was made from inside this same handler.*/
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn update_resource(
        self,
        i: usize,
        v: u32,
    ) -> ::coact::__private::SyncCall<'__coact, Manager, ()> {
        self.0.call("update_resource", (i, v), __ManagerCallKind::UpdateResource)
    }
    /**Queues the call when awaited and resolves to `slow`'s value once the owner has run it.

# Errors

A `CallError` when the call could not complete: the owner is gone, the time set with `timeout` ran out, `slow` panicked, or the call was made from inside this same handler.*/
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn slow(self) -> ::coact::__private::SyncCall<'__coact, Manager, u32> {
        self.0.call("slow", (), __ManagerCallKind::Slow)
    }
}
#[allow(dead_code)]
impl<'__coact> ManagerOneway<'__coact>
where
    Manager: ::coact::__private::Handler<Call = ManagerCall>,
{
    /// The resources, as they are now.
    ///
    /**Returns once the call to `access_resources` is queued.

# Errors

A `CallError` when the call could not be queued: the owner is gone, or its bounded mailbox is full.*/
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn access_resources(
        self,
    ) -> ::core::result::Result<(), ::coact::__private::CallError> {
        self.0.send("access_resources", (), __ManagerCallKind::AccessResources)
    }
    /**Returns once the call to `update_resource` is queued.

# Errors

A `CallError` when the call could not be queued: the owner is gone, or its bounded mailbox is full.*/
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn update_resource(
        self,
        i: usize,
        v: u32,
    ) -> ::core::result::Result<(), ::coact::__private::CallError> {
        self.0.send("update_resource", (i, v), __ManagerCallKind::UpdateResource)
    }
    /**Returns once the call to `slow` is queued.

# Errors

A `CallError` when the call could not be queued: the owner is gone, or its bounded mailbox is full.*/
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub fn slow(self) -> ::core::result::Result<(), ::coact::__private::CallError> {
        self.0.send("slow", (), __ManagerCallKind::Slow)
    }
}
#[automatically_derived]
impl ::coact::__private::Handler for Manager
where
    Self: ::core::marker::Send + 'static,
{
    type Call = ManagerCall;
    type Method = ManagerMethod;
    type Sync<'__coact> = ManagerSync<'__coact> where Self: '__coact;
    type Oneway<'__coact> = ManagerOneway<'__coact> where Self: '__coact;
    fn method(call: &Self::Call) -> ManagerMethod {
        match &call.0 {
            __ManagerCallKind::AccessResources(..) => ManagerMethod::AccessResources,
            __ManagerCallKind::UpdateResource(..) => ManagerMethod::UpdateResource,
            __ManagerCallKind::Slow(..) => ManagerMethod::Slow,
        }
    }
    fn method_name(method: ManagerMethod) -> &'static str {
        match method {
            ManagerMethod::AccessResources => "access_resources",
            ManagerMethod::UpdateResource => "update_resource",
            ManagerMethod::Slow => "slow",
        }
    }
    fn sync_proxy(proxy: ::coact::__private::SyncProxy<'_, Self>) -> Self::Sync<'_> {
        ManagerSync(proxy)
    }
    fn oneway_proxy(
        proxy: ::coact::__private::OnewayProxy<'_, Self>,
    ) -> Self::Oneway<'_> {
        ManagerOneway(proxy)
    }
    fn dispatch_now(
        &mut self,
        call: Self::Call,
    ) -> ::core::result::Result<bool, Self::Call> {
        #[allow(unused_imports)]
        use ::coact::__private::{ReportDebug as _, ReportDisplay as _, ReportOther as _};
        ::core::result::Result::Ok(
            match call.0 {
                __ManagerCallKind::AccessResources((), __coact_reply) => {
                    __coact_reply
                        .run("access_resources", || Self::access_resources(self))
                        .is_some()
                }
                __ManagerCallKind::UpdateResource((i, v), __coact_reply) => {
                    __coact_reply
                        .run("update_resource", || Self::update_resource(self, i, v))
                        .is_some()
                }
                #[allow(unreachable_patterns)]
                kind => return ::core::result::Result::Err(ManagerCall(kind)),
            },
        )
    }
    fn dispatch(
        &mut self,
        call: Self::Call,
    ) -> impl ::coact::__private::Future<Output = bool> + ::core::marker::Send + '_ {
        async move {
            #[allow(unused_imports)]
            use ::coact::__private::{
                ReportDebug as _, ReportDisplay as _, ReportOther as _,
            };
            match call.0 {
                __ManagerCallKind::Slow((), __coact_reply) => {
                    match __coact_reply.start() {
                        ::core::option::Option::None => false,
                        ::core::option::Option::Some(__coact_reply) => {
                            let _ = __coact_reply
                                .finish(
                                    "slow",
                                    ::coact::__private::guard_async(Self::slow(self)).await,
                                );
                            true
                        }
                    }
                }
                #[allow(unreachable_patterns)]
                kind => {
                    match Self::dispatch_now(self, ManagerCall(kind)) {
                        ::core::result::Result::Ok(ran) => ran,
                        ::core::result::Result::Err(_) => false,
                    }
                }
            }
        }
    }
}
