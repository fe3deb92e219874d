//! The OpenAPI document as served at `/api/openapi.json`: the one generated from the API router,
//! completed in one place with what no handler declares itself.
//!
//! * Every response has the `description` OpenAPI 3.1 requires (a plain one from its status
//!   where the operation gave none).
//! * The answers that the router, the extractors and the layers make for any operation are
//!   shared response components (`#/components/responses/…`), referred to from every operation
//!   that does not document that status itself: a path, query or body that does not parse
//!   (400), a credential that is not accepted (401), a refused cross-site write or a pending
//!   two-factor enrolment (403), an address that matches no route (404), another method (405),
//!   a request that took too long (408), a body over the limit (413), a body that is not JSON
//!   (415) or JSON of the wrong shape (422), and a database that cannot be reached (503). They
//!   all carry the one error body `{error, message}` (the `shape_errors` layer sees to it).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::AppState;

/// The shared responses: status, component name, description (with the error codes).
const SHARED: &[(&str, &str, &str)] = &[
    (
        "400",
        "BadRequest",
        "`bad_request` or `invalid_query`: a path parameter, the query string or the body could not be read",
    ),
    ("401", "Unauthenticated", "`unauthenticated`: the credential presented is not accepted, or one is required"),
    (
        "403",
        "Forbidden",
        "`forbidden`, `csrf_failed` (a write from a session without its CSRF token) or `totp_enrolment_required`",
    ),
    ("404", "NotFound", "`not_found`: nothing at this address"),
    ("405", "MethodNotAllowed", "`method_not_allowed`: the address does not take this method"),
    ("408", "RequestTimeout", "`request_timeout`: the request took too long; try again later"),
    ("413", "PayloadTooLarge", "`payload_too_large`: the body is over the size limit"),
    ("415", "UnsupportedMediaType", "`unsupported_media_type`: the body is not of the documented content type"),
    ("422", "UnprocessableEntity", "`unprocessable_entity`: the body does not have the documented shape"),
    ("503", "ServiceUnavailable", "`database_unavailable` or `service_unavailable`: try again later"),
];

/// Statuses that only an operation with a request body can answer.
const BODY_ONLY: &[&str] = &["415", "422"];

/// The served document, as JSON text.
pub(crate) fn document(openapi: &utoipa::openapi::OpenApi) -> Result<String, String> {
    let mut doc = serde_json::to_value(openapi).map_err(|e| e.to_string())?;
    complete(&mut doc);
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}

/// Adds the descriptions and the shared responses to a generated document.
fn complete(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                let has_body = op.contains_key("requestBody");
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
                describe(responses);
                for (status, name, _) in SHARED {
                    if (has_body || !BODY_ONLY.contains(status)) && !responses.contains_key(*status) {
                        responses
                            .insert((*status).to_owned(), json!({ "$ref": format!("#/components/responses/{name}") }));
                    }
                }
            }
        }
    }
    let shared: Map<String, Value> = SHARED
        .iter()
        .map(|(_, name, description)| {
            let body = json!({
                "description": description,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } },
            });
            ((*name).to_owned(), body)
        })
        .collect();
    if let Some(components) =
        doc.as_object_mut().and_then(|d| d.entry("components").or_insert_with(|| json!({})).as_object_mut())
    {
        components.insert("responses".into(), Value::Object(shared));
    }
}

/// Gives every response of an operation a description: a plain one from its status where the
/// operation gave none.
fn describe(responses: &mut Map<String, Value>) {
    for (status, response) in responses.iter_mut() {
        let Some(r) = response.as_object_mut() else { continue };
        if r.contains_key("$ref") || r.get("description").and_then(Value::as_str).is_some_and(|d| !d.is_empty()) {
            continue;
        }
        let text = status
            .parse::<u16>()
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Response");
        r.insert("description".into(), Value::String(text.to_owned()));
    }
}

/// `GET /api/openapi.json`.
pub(crate) async fn serve(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi_json.as_str().to_owned()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_responses_fill_only_what_an_operation_leaves_out() {
        let mut doc = json!({
            "paths": {
                "/a": {
                    "get": { "responses": { "200": {}, "404": { "description": "`org_not_found`" } } },
                    "post": { "requestBody": {}, "responses": { "201": { "description": "Created" } } },
                }
            },
            "components": { "schemas": {} },
        });
        complete(&mut doc);
        let get = &doc["paths"]["/a"]["get"]["responses"];
        assert_eq!(get["200"]["description"], "OK");
        assert_eq!(get["404"]["description"], "`org_not_found`");
        assert_eq!(get["408"]["$ref"], "#/components/responses/RequestTimeout");
        assert!(get.get("415").is_none() && get.get("422").is_none(), "no body, no 415/422: {get}");
        let post = &doc["paths"]["/a"]["post"]["responses"];
        assert_eq!(post["415"]["$ref"], "#/components/responses/UnsupportedMediaType");
        assert_eq!(post["404"]["$ref"], "#/components/responses/NotFound");
        let shared = &doc["components"]["responses"];
        assert_eq!(shared.as_object().map(|m| m.len()), Some(SHARED.len()));
        assert_eq!(
            shared["PayloadTooLarge"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
    }
}
