//! A contract some of whose schemas the application types itself (`Builder::replace` in
//! `build.rs`): frames decode into the application's types, with their own conversions
//! run, the generated API takes them, and the served document describes them by their
//! schemas, under the contract's names.

use tidings::codec::{Inbound, MessageEnum};
use tidings::{App, HandlerError};
use tidings_build_script::model::{Handle, Person, Place};
use tidings_build_script::replaced::{cards, types};

struct Desk;

impl cards::Cards for Desk {
    async fn receive_card(&self, _: &mut cards::Context, card: types::Card) -> Result<(), HandlerError> {
        // The application's own methods, on the fields of a generated message.
        let _ = (card.person.greeting(), card.handle.as_str());
        Ok(())
    }
}

#[test]
fn frames_decode_into_the_applications_types() {
    let text = r#"{"action":"card","person":{"name":"Ada"},"handle":"ADA_L","place":7}"#;
    let cards::Incoming::Card(card) = cards::Incoming::decode_text(text).expect("decodes");
    assert_eq!(card.person.greeting(), "Hello, Ada!");
    // `Handle`'s own conversion ran: it keeps handles in lower case.
    assert_eq!(card.handle.as_str(), "ada_l");
    assert_eq!(card.place, Place::Numbered(7));

    let named = r#"{"action":"card","person":{"name":"Bo"},"handle":"bo","place":"Leeds"}"#;
    let cards::Incoming::Card(card) = cards::Incoming::decode_text(named).expect("decodes");
    assert_eq!(card.place, Place::Named("Leeds".into()));
}

#[test]
fn the_generated_api_takes_the_applications_types() {
    let person = Person { name: "Ada".into() };
    let card = types::Card::new(person, Handle::from("ADA".to_owned()), Place::Named("Leeds".into()));
    // On the wire as the contract writes it, through the application's own serialization.
    let encoded = serde_json::to_value(&card).expect("encodes");
    assert_eq!(
        encoded,
        serde_json::json!({"action": "card", "person": {"name": "Ada"}, "handle": "ada", "place": "Leeds"})
    );
    assert_eq!(cards::Incoming::Card(card).key(), "card");
}

#[test]
fn the_document_describes_the_applications_types() {
    let document = App::new().mount(cards::channel(Desk)).document();
    let schemas = &document["components"]["schemas"];
    assert_eq!(schemas["Person"]["properties"]["name"]["type"], "string", "{schemas:#}");
    // The contract's words are laid over the application's schema of a string.
    assert_eq!(schemas["Handle"]["type"], "string", "{schemas:#}");
    assert_eq!(schemas["Handle"]["maxLength"], 20, "{schemas:#}");
}
