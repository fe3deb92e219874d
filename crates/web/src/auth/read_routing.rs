//! Where a request's reads go when the node has read replicas (`jiuye_store::replica`): a
//! request that writes reads the primary; any other request may be answered by a replica that
//! has replayed every write committed before the read began, so a person always reads what they
//! (or anyone) just wrote, whichever node process answers them.

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use jiuye_store::replica::{ReadFrom, within};

use super::is_unsafe;

/// Where the reads of a request with this method go.
pub fn read_from(method: &Method) -> ReadFrom {
    if is_unsafe(method) { ReadFrom::Primary } else { ReadFrom::Any }
}

/// Runs the rest of the request with its reads routed.
pub(super) async fn run(method: &Method, next: Next, req: Request) -> Response {
    within(read_from(method), next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_read_the_primary() {
        assert_eq!(read_from(&Method::GET), ReadFrom::Any);
        assert_eq!(read_from(&Method::HEAD), ReadFrom::Any);
        assert_eq!(read_from(&Method::POST), ReadFrom::Primary);
        assert_eq!(read_from(&Method::DELETE), ReadFrom::Primary);
    }
}
