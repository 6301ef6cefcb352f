//! What generated code declares about one channel: the marker type's associated types
//! ([`ChannelSpec`]) and the typed address parameters ([`Params`]).

use crate::codec::{Inbound, Outbound};
use crate::descriptor::{ChannelDescriptor, ParameterDescriptor};

/// One channel of a contract, from one side: generated as a marker type per channel
/// (`<channel>::Spec`), which names the channel in [`Client`](crate::Client),
/// [`Sender`](crate::Sender) and [`App::sender`](crate::App::sender).
pub trait ChannelSpec: Send + Sync + Sized + 'static {
    /// What this side receives.
    type Incoming: Inbound + Outbound;
    /// What this side sends.
    type Outgoing: Inbound + Outbound;
    /// The address parameters.
    type Params: Params;
    /// What the contract says about the channel.
    const DESCRIPTOR: &'static ChannelDescriptor;
}

/// Address parameters of a channel, generated as a struct with one field per `{name}`.
pub trait Params: Sized + Send + Sync + 'static {
    /// The parameter names, in address order.
    const NAMES: &'static [&'static str];

    /// What the document says of each parameter, in the order of [`NAMES`](Params::NAMES):
    /// written by `#[derive(tidings::Params)]` from the fields' doc comments. Generated
    /// channels describe their parameters in their descriptor instead.
    const PARAMETERS: &'static [ParameterDescriptor] = &[];

    /// Builds the parameters from their values, in the order of [`NAMES`](Params::NAMES).
    fn from_values(values: Vec<String>) -> Result<Self, ParamError>;
}

impl Params for () {
    const NAMES: &'static [&'static str] = &[];

    fn from_values(_: Vec<String>) -> Result<Self, ParamError> {
        Ok(())
    }
}

/// A parameter value the contract does not allow, or that the parameter's type cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{value}` is not an allowed value of parameter `{name}`{}",
    if allowed.is_empty() { String::new() } else { format!("; expected one of {}", allowed.join(", ")) }
)]
pub struct ParamError {
    /// The parameter.
    pub name: &'static str,
    /// The value found.
    pub value: String,
    /// The values allowed; empty when the parameter's type could not read the value.
    pub allowed: &'static [&'static str],
}

/// Checks a value against a parameter's allowed values (any value when there are none).
/// Generated code reaches it through `__private`.
#[doc(hidden)]
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
