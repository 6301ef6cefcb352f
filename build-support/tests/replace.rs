//! `Builder::replace`: a component schema the user types themselves is used by path where
//! the contract refers to it, and no type of that name is generated, whichever way
//! tidings-build would have written it (a plain struct, a bounded string, or through typify).

use std::path::PathBuf;

use tidings_build::Builder;

const CONTRACT: &str = r#"asyncapi: 3.0.0
info: { title: Replaced, version: 1.0.0 }
channels:
  profiles:
    address: /ws/profiles
    messages:
      profile:
        payload:
          type: object
          required: [action, profile]
          properties:
            action: { type: string, const: profile }
            profile: { $ref: '#/components/schemas/Profile' }
operations:
  receiveProfile:
    action: receive
    channel: { $ref: '#/channels/profiles' }
    messages: [{ $ref: '#/channels/profiles/messages/profile' }]
components:
  schemas:
    Profile:
      type: object
      required: [user, nick, place]
      properties:
        user: { $ref: '#/components/schemas/User' }
        nick: { $ref: '#/components/schemas/Nick' }
        place: { $ref: '#/components/schemas/Place' }
        kept: { $ref: '#/components/schemas/Kept' }
    User:
      type: object
      properties:
        name: { type: string }
    Nick:
      type: string
      minLength: 1
      maxLength: 20
    Place:
      oneOf:
        - { type: string }
        - { type: integer }
    Kept:
      type: object
      properties:
        note: { type: string }
"#;

fn contract() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tidings-replace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let path = dir.join("asyncapi.yaml");
    std::fs::write(&path, CONTRACT).expect("the contract");
    path
}

#[test]
fn replaced_schemas_are_used_by_path_and_not_generated() {
    let path = contract();
    let code = |builder: Builder| builder.formatted(true).generate().expect("it generates").code;
    let plain = code(Builder::new(&path));
    // Without replacements each is a type of its own: a plain struct, a bounded string, an
    // enum typify writes.
    for item in ["pub struct User", "pub type Nick", "pub enum Place", "pub struct Kept"] {
        assert!(plain.contains(item), "no `{item}` in:\n{plain}");
    }

    let replaced = code(
        Builder::new(&path)
            .replace("User", "crate::model::Person")
            .replace("Nick", "crate::model::Handle")
            .replace("Place", "crate::model::Where"),
    );
    for item in ["pub struct User", "pub type Nick", "pub enum Place", "pub struct Nick"] {
        assert!(!replaced.contains(item), "`{item}` generated although replaced:\n{replaced}");
    }
    for field in ["pub user: crate::model::Person", "pub nick: crate::model::Handle", "pub place: crate::model::Where"]
    {
        assert!(replaced.contains(field), "no `{field}` in:\n{replaced}");
    }
    // What was not replaced is generated as before.
    assert!(replaced.contains("pub struct Kept"), "{replaced}");
    assert!(replaced.contains("pub kept: ::std::option::Option<Kept>"), "{replaced}");
    let _ = std::fs::remove_dir_all(path.parent().expect("its directory"));
}
