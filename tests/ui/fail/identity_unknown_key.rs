#[coact::identity_cached(key = [tenant, user_id])]
async fn user(tenant: String, id: u32) -> Option<String> {
    Some(format!("{tenant}/{id}"))
}

fn main() {}
