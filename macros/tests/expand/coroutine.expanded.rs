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
    let (__coact_co, __coact_builder) = ::coact::__private::coroutine::unit_channel::<
        u32,
        &'static str,
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
