pub fn countdown(
    from: u32,
) -> Gen<
    u32,
    &'static str,
    (),
    ::coact::coroutine::SyncBody<
        impl ::core::future::Future<
            Output = &'static str,
        > + ::coact::__private::coroutine::Slotted<u32, ()>,
    >,
> {
    struct __CoactSlot;
    impl ::coact::__private::coroutine::SlotKey<u32, ()> for __CoactSlot {
        #[inline]
        fn with<__CoactT>(
            f: impl ::core::ops::FnOnce(
                ::core::option::Option<
                    &::coact::__private::coroutine::LocalSlot<u32, ()>,
                >,
            ) -> __CoactT,
        ) -> __CoactT {
            ::std::thread_local! {
                static __COACT_SLOT : ::coact::__private::coroutine::LocalSlot < u32, ()
                > = const { ::coact::__private::coroutine::LocalSlot::new() };
            }
            __COACT_SLOT.with(|slot| f(::core::option::Option::Some(slot)))
        }
    }
    let (__coact_co, __coact_builder) = ::coact::__private::coroutine::local_unit_channel::<
        u32,
        &'static str,
        __CoactSlot,
    >();
    __coact_builder
        .sync(async move {
            let __coact_co = __coact_co;
            let from = from;
            if let ::core::option::Option::Some(__coact_ret) = ::core::option::Option::None::<
                &'static str,
            > {
                #[allow(unreachable_code)] return __coact_ret;
            }
            for i in (1..=from).rev() {
                __coact_co.yield_(i).await;
            }
            "liftoff"
        })
}
