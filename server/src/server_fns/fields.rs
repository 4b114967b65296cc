//! The fields each server function takes, read from its argument type, so that a request naming
//! any other field is refused with a clear 422 instead of having the field silently ignored
//! (SECURITY.md: unknown fields get a clear 4xx). Leptos derives `Deserialize` for the argument
//! struct without `deny_unknown_fields` and offers no way to add it; serde's derived
//! implementation does name its fields, though, which is what [`field_names`] reads.

use app::{accounts, admin, applications, credentials, partners};
use leptos::server_fn::ServerFn;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use std::collections::HashMap;
use std::fmt;

/// The fields of every server function, by endpoint (`sign_up`, `reveal_secret`…).
pub struct Accepted(HashMap<&'static str, &'static [&'static str]>);

/// One server function's endpoint and fields; `None` for fields when its argument type takes
/// something but did not name its fields (a flattened or hand-written `Deserialize`), which
/// would refuse every field it is sent.
type Entry = (&'static str, Option<&'static [&'static str]>);

impl Accepted {
    pub fn of_every_server_function() -> Self {
        use accounts::api::*;
        use admin::api::*;
        use applications::api::*;
        use credentials::api::*;
        use partners::api::*;
        Self::from_entries([
            // Accounts and the profile.
            entry::<SignUp>(),
            entry::<ResendVerification>(),
            entry::<VerifyEmail>(),
            entry::<SignIn>(),
            entry::<SignOut>(),
            entry::<ForgotPassword>(),
            entry::<CheckResetToken>(),
            entry::<ResetPassword>(),
            entry::<ChangePassword>(),
            entry::<CurrentUser>(),
            entry::<GetProfile>(),
            entry::<SaveProfile>(),
            entry::<TakeFormFlash>(),
            // Companies, members and invitations.
            entry::<CompanyOverview>(),
            entry::<SaveCompany>(),
            entry::<JoinCompany>(),
            entry::<SetMemberApproval>(),
            entry::<ChangeMemberRole>(),
            entry::<RemoveMember>(),
            entry::<DecideMemberRequest>(),
            entry::<SendInvitation>(),
            entry::<ResendInvitation>(),
            entry::<CancelInvitation>(),
            entry::<CompanyActivity>(),
            entry::<GetInvitation>(),
            entry::<AcceptInvitationSignUp>(),
            entry::<AcceptInvitation>(),
            // Applications.
            entry::<RegistrationContext>(),
            entry::<RegisterApplication>(),
            entry::<MyApis>(),
            entry::<ApplicationDetails>(),
            entry::<ApplicationCredentials>(),
            entry::<UpdateApplication>(),
            entry::<SetApplicationActive>(),
            entry::<DeleteApplication>(),
            entry::<AddCoOwner>(),
            entry::<RemoveCoOwner>(),
            entry::<UpdateScope>(),
            entry::<ApplicationActivity>(),
            // Credentials.
            entry::<RevealSecret>(),
            entry::<RollSecret>(),
            entry::<RevokeCredential>(),
            entry::<ApiKeys>(),
            entry::<DescribeCredential>(),
            entry::<SetCredentialEnabled>(),
            // Operators.
            entry::<AdminOverview>(),
            entry::<CreateGatewayToken>(),
            entry::<RevokeGatewayToken>(),
            entry::<SaveRateLimit>(),
            entry::<DecideApproval>(),
            entry::<PartnerDetail>(),
            entry::<AuditLog>(),
            entry::<SaveEnvironment>(),
            entry::<SaveProduct>(),
        ])
    }

    fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Self {
        // An unreadable entry lists nothing, so `unlisted` reports it.
        Self(
            entries
                .into_iter()
                .filter_map(|(endpoint, fields)| fields.map(|fields| (endpoint, fields)))
                .collect(),
        )
    }

    /// The first field of `names` that `endpoint` does not take; `None` when all are known, or
    /// when the endpoint is not a server function (Leptos answers those).
    pub fn first_unknown<'a>(&self, endpoint: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        let fields = self.0.get(endpoint)?;
        names.into_iter().find(|name| {
            // Lists arrive as `products[]` or `products[0]`: the field is the part before `[`.
            let field = name.split('[').next().unwrap_or(name);
            !fields.contains(&field)
        })
    }

    /// The server functions Leptos registered that this list does not have (or whose fields could
    /// not be read): each must be added to [`Accepted::of_every_server_function`], and the server
    /// refuses to start until it is.
    pub fn unlisted(&self) -> Vec<String> {
        let mut unlisted: Vec<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path.rsplit('/').next().unwrap_or(path))
            .filter(|endpoint| !self.0.contains_key(endpoint))
            .map(str::to_owned)
            .collect();
        unlisted.sort();
        unlisted
    }
}

fn entry<S: ServerFn + DeserializeOwned>() -> Entry {
    let endpoint = S::PATH.rsplit('/').next().unwrap_or(S::PATH);
    (endpoint, readable_field_names::<S>())
}

/// The field names of `T`, or `None` when it has fields (it takes memory) but named none.
fn readable_field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let fields = field_names::<T>();
    (!fields.is_empty() || size_of::<T>() == 0).then_some(fields)
}

/// The field names serde's derived `Deserialize` of `T` asks for (renames applied): it passes
/// them to `deserialize_struct`, where this deserializer notes them and stops.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields.unwrap_or(&[])
}

struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

/// How the probe stops once it has the names (or finds no struct).
#[derive(Debug)]
struct Stopped;

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names read")
    }
}

impl std::error::Error for Stopped {}

impl de::Error for Stopped {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stopped
    }
}

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = Stopped;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stopped> {
        *self.0 = Some(fields);
        Err(Stopped)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Stopped> {
        Err(Stopped)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Example {
        name: String,
        #[serde(rename = "kind")]
        r#type: String,
        ids: Vec<i64>,
    }

    #[test]
    fn field_names_are_read_from_the_derived_implementation() {
        assert_eq!(field_names::<Example>(), ["name", "kind", "ids"]);
        assert_eq!(field_names::<String>(), [] as [&str; 0]);
    }

    #[test]
    fn an_argument_type_that_names_no_fields_is_left_out_to_be_reported() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Flattened {
            #[serde(flatten)]
            inner: Example,
        }
        #[derive(serde::Deserialize)]
        struct NoArguments {}
        assert_eq!(readable_field_names::<Flattened>(), None);
        assert_eq!(readable_field_names::<NoArguments>(), Some(&[][..]));
        assert_eq!(readable_field_names::<Example>(), Some(&["name", "kind", "ids"][..]));
        let accepted = Accepted::from_entries([("flattened", None), ("plain", Some(&["name"][..]))]);
        assert!(accepted.0.contains_key("plain") && !accepted.0.contains_key("flattened"));
    }

    #[test]
    fn list_fields_are_known_by_their_name_before_the_brackets() {
        let accepted = Accepted(HashMap::from([("save", field_names::<Example>())]));
        assert_eq!(
            accepted.first_unknown("save", ["name", "ids[]", "ids[0]", "kind"]),
            None
        );
        assert_eq!(
            accepted.first_unknown("save", ["name", "partner_id"]),
            Some("partner_id")
        );
        assert_eq!(
            accepted.first_unknown("save", ["type"]),
            Some("type"),
            "the wire name counts"
        );
        assert_eq!(accepted.first_unknown("other", ["anything"]), None);
    }
}
