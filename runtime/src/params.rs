//! Typed channel address parameters.

/// Address parameters of a channel, generated as a struct with one field per `{name}`.
pub trait Params: Sized + Send + Sync + 'static {
    /// The parameter names, in address order.
    const NAMES: &'static [&'static str];

    /// Builds the parameters from their values, in the order of [`NAMES`](Params::NAMES).
    fn from_values(values: Vec<String>) -> Result<Self, ParamError>;
}

impl Params for () {
    const NAMES: &'static [&'static str] = &[];

    fn from_values(_: Vec<String>) -> Result<Self, ParamError> {
        Ok(())
    }
}

/// A parameter value the contract does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not an allowed value of parameter `{name}`; expected one of {}", allowed.join(", "))]
pub struct ParamError {
    /// The parameter.
    pub name: &'static str,
    /// The value found.
    pub value: String,
    /// The values allowed.
    pub allowed: &'static [&'static str],
}

/// Checks a value against a parameter's allowed values (any value when there are none).
pub fn check_allowed(
    name: &'static str,
    value: String,
    allowed: &'static [&'static str],
) -> Result<String, ParamError> {
    if allowed.is_empty() || allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(ParamError { name, value, allowed })
    }
}
