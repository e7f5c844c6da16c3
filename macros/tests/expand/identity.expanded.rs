///The cache behind [`user`]: its statistics, and `forget(&key)` or `clear()` to invalidate what it holds.
pub fn user_cache() -> &'static ::coact::identity::Cache<
    u32,
    ::coact::identity::Shared<User>,
    DbError,
> {
    const _: () = {
        ::coact::__private::identity::assert_key::<u32>();
        ::coact::__private::identity::assert_value::<User>();
        ::coact::__private::identity::assert_error::<DbError>();
    };
    static CACHE: ::std::sync::LazyLock<
        ::coact::identity::Cache<u32, ::coact::identity::Shared<User>, DbError>,
    > = ::std::sync::LazyLock::new(|| ::coact::identity::Cache::new(::coact::__private::identity::Retention::Keep {
        ttl: ::core::option::Option::Some(::core::time::Duration::from_millis(30000u64)),
        capacity: ::core::num::NonZeroUsize::new(1000),
    }));
    &CACHE
}
pub async fn user(
    id: u32,
) -> ::core::result::Result<
    ::coact::identity::Shared<User>,
    ::coact::identity::LoadError<DbError>,
> {
    let __coact_key: u32 = ::core::clone::Clone::clone(&id);
    (user_cache()
        .get_or_load(
            __coact_key,
            move || ::coact::__private::identity::fallible_optional(async move {
                if let ::core::option::Option::Some(__coact_ret) = ::core::option::Option::None::<
                    Result<Option<User>, DbError>,
                > {
                    #[allow(unreachable_code)] return __coact_ret;
                }
                db::load(id).await
            }),
        )
        .await)
}
