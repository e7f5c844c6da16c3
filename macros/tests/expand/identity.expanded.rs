///The cache behind [`user`]: its statistics, and `forget(&key)` or `clear()` to invalidate what it holds.
pub fn user_cache() -> &'static ::coact::identity::Cache<
    u32,
    ::coact::identity::Shared<User>,
    DbError,
> {
    ::coact::__private::identity::cacheable::<u32, User, DbError>();
    static SLOT: ::coact::__private::identity::Slot = ::coact::__private::identity::Slot::new();
    ::coact::__private::identity::identity_cache::<
        u32,
        User,
        DbError,
    >(
        &SLOT,
        || ::coact::__private::identity::Retention::Keep {
            ttl: ::core::option::Option::Some(
                ::core::time::Duration::from_millis(30000u64),
            ),
            capacity: ::core::num::NonZeroUsize::new(1000),
        },
    )
}
pub async fn user(
    id: u32,
) -> ::core::result::Result<
    ::coact::identity::Shared<User>,
    ::coact::identity::LoadError<DbError>,
> {
    let __coact_key: u32 = ::core::clone::Clone::clone(&id);
    ::coact::__private::identity::cacheable::<u32, User, DbError>();
    let __coact_lookup = ::coact::__private::identity::load(
        user_cache(),
        __coact_key,
        move || ::coact::__private::identity::fallible_optional(async move {
            if let ::core::option::Option::Some(__coact_ret) = ::core::option::Option::None::<
                Result<Option<User>, DbError>,
            > {
                #[allow(unreachable_code)] return __coact_ret;
            }
            db::load(id).await
        }),
    );
    ({
        use ::coact::__private::identity::{Run as _, Unfit as _};
        match (&__coact_lookup).found() {
            ::core::option::Option::Some(__coact_found) => {
                ::core::result::Result::Ok(__coact_found)
            }
            ::core::option::Option::None => __coact_lookup.run().await,
        }
    })
}
