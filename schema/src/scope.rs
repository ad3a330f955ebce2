//! The tenant scope: every read, update and delete of a tenant table starts here, so no query can forget
//! `workspace_id`, nor what the viewer's credential reaches inside its workspace (see [`Reach`]).
//!
//! `EntityTrait::find`, `find_by_id`, `update_many` and `delete_many` are disallowed in this crate
//! (`schema/clippy.toml`): calling them anywhere else fails `cargo clippy -D warnings`, so a forgotten filter is
//! a build failure, not a missing test. The few system-wide reads (the event outbox, the listener) say why at
//! their `#[expect]`.

use crate::auth::{Reach, Viewer};
use entities::{contact, conversation, message, ticket};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, DeleteMany, EntityTrait, QueryFilter, Select, UpdateMany};
use uuid::Uuid;

/// A table whose rows belong to one workspace and have a uuid `id`.
pub trait Tenanted: EntityTrait {
    fn id_col() -> Self::Column;
    fn workspace_col() -> Self::Column;
    fn model_id(m: &Self::Model) -> Uuid;
    /// Which rows of the workspace a credential of this reach sees (all of them unless said otherwise).
    fn reached(_reach: Reach) -> Condition {
        Condition::all()
    }
}

/// The condition every statement on `E` carries for `viewer`.
pub fn visible<E: Tenanted>(viewer: &Viewer) -> Condition {
    Condition::all().add(E::workspace_col().eq(viewer.workspace_id)).add(E::reached(viewer.reach()))
}

/// Rows of `E` visible to `viewer`.
#[expect(clippy::disallowed_methods, reason = "the one place selects start")]
pub fn scoped<E: Tenanted>(viewer: &Viewer) -> Select<E> {
    E::find().filter(visible::<E>(viewer))
}

/// An update of rows of `E` visible to `viewer` (add the row filter and the changes).
#[expect(clippy::disallowed_methods, reason = "the one place updates start")]
pub fn scoped_update<E: Tenanted>(viewer: &Viewer) -> UpdateMany<E> {
    E::update_many().filter(visible::<E>(viewer))
}

/// A delete of rows of `E` visible to `viewer` (add the row filter).
#[expect(clippy::disallowed_methods, reason = "the one place deletes start")]
pub fn scoped_delete<E: Tenanted>(viewer: &Viewer) -> DeleteMany<E> {
    E::delete_many().filter(visible::<E>(viewer))
}

/// The viewer's own workspace row.
#[expect(clippy::disallowed_methods, reason = "the workspace is the viewer's own")]
pub fn own_workspace(viewer: &Viewer) -> Select<entities::workspace::Entity> {
    entities::workspace::Entity::find_by_id(viewer.workspace_id)
}

/// Ids of the conversations a reach is limited to (`None`: every conversation of the workspace).
fn conversations_of(reach: Reach) -> Option<SelectStatement> {
    let c = match reach {
        Reach::Workspace => return None,
        Reach::Contact(id) => conversation::Column::ContactId.eq(id),
        Reach::Bot(id) => conversation::Column::BotId.eq(id),
    };
    Some(Query::select().column(conversation::Column::Id).from(conversation::Entity).and_where(c).to_owned())
}

macro_rules! tenanted {
    ($($m:ident $(=> $reached:expr)?),+ $(,)?) => {$(
        impl Tenanted for entities::$m::Entity {
            fn id_col() -> Self::Column {
                entities::$m::Column::Id
            }
            fn workspace_col() -> Self::Column {
                entities::$m::Column::WorkspaceId
            }
            fn model_id(m: &Self::Model) -> Uuid {
                m.id
            }
            $(fn reached(reach: Reach) -> Condition {
                let f: fn(Reach) -> Condition = $reached;
                f(reach)
            })?
        }
    )+};
}

tenanted!(
    agent,
    bot,
    label,
    api_key,
    webhook_endpoint,
    webhook_delivery,
    inbox,
    contact => |reach| match reach {
        Reach::Contact(id) => Condition::all().add(contact::Column::Id.eq(id)),
        Reach::Workspace | Reach::Bot(_) => Condition::all(),
    },
    conversation => |reach| match reach {
        Reach::Contact(id) => Condition::all().add(conversation::Column::ContactId.eq(id)),
        Reach::Bot(id) => Condition::all().add(conversation::Column::BotId.eq(id)),
        Reach::Workspace => Condition::all(),
    },
    message => |reach| {
        let mut c = Condition::all();
        if let Some(convs) = conversations_of(reach) {
            c = c.add(message::Column::ConversationId.in_subquery(convs));
        }
        if matches!(reach, Reach::Contact(_)) {
            c = c.add(message::Column::Private.eq(false));
        }
        c
    },
    ticket => |reach| match reach {
        Reach::Contact(id) => Condition::all().add(ticket::Column::ContactId.eq(id)),
        // Bots hold no ticket scope, and reach no ticket either (ids are never null: no row).
        Reach::Bot(_) => Condition::all().add(ticket::Column::Id.is_null()),
        Reach::Workspace => Condition::all(),
    },
);

/// Whether `viewer` sees this conversation (the in-memory twin of `conversation`'s condition, for live events).
pub fn sees_conversation(viewer: &Viewer, c: &conversation::Model) -> bool {
    c.workspace_id == viewer.workspace_id
        && match viewer.reach() {
            Reach::Workspace => true,
            Reach::Contact(id) => c.contact_id == id,
            Reach::Bot(id) => c.bot_id == Some(id),
        }
}

/// Whether `viewer` sees this message of conversation `c` (the in-memory twin of `message`'s condition).
pub fn sees_message(viewer: &Viewer, m: &message::Model, c: &conversation::Model) -> bool {
    m.workspace_id == viewer.workspace_id
        && m.conversation_id == c.id
        && sees_conversation(viewer, c)
        && !(m.private && matches!(viewer.reach(), Reach::Contact(_)))
}

/// Whether `viewer` sees this ticket (the in-memory twin of `ticket`'s condition).
pub fn sees_ticket(viewer: &Viewer, t: &ticket::Model) -> bool {
    t.workspace_id == viewer.workspace_id
        && match viewer.reach() {
            Reach::Workspace => true,
            Reach::Contact(id) => t.contact_id == id,
            Reach::Bot(_) => false,
        }
}

/// Whether `viewer` may see a live envelope: its workspace's events, narrowed to what the credential reaches
/// (the in-memory twin of the conditions above, applied by `events::subscription::live` to every stream).
pub fn sees(viewer: &Viewer, env: &crate::events::Envelope) -> bool {
    use crate::events::Envelope;
    match env {
        Envelope::Stored { event, message, conversation, ticket } => {
            if event.workspace_id != viewer.workspace_id {
                return false;
            }
            if viewer.reach() == Reach::Workspace {
                return true;
            }
            // A narrower reach sees only what is about a conversation it reaches.
            let Some(c) = conversation else { return false };
            sees_conversation(viewer, c)
                && message.as_ref().is_none_or(|m| sees_message(viewer, m, c))
                && ticket.as_ref().is_none_or(|t| sees_ticket(viewer, t))
        }
        // Typing signals name their conversation only: `typing(conversationId)` checks it when subscribing.
        Envelope::Typing(t) => t.workspace_id == viewer.workspace_id,
        Envelope::Interrupted => true,
    }
}

/// Stored events visible to `viewer`: its workspace's; for a narrower reach, those about its conversations,
/// without private notes' events.
#[expect(clippy::disallowed_methods, reason = "the one place reads of the outbox for a viewer start")]
pub fn scoped_events(viewer: &Viewer) -> Select<entities::event::Entity> {
    use entities::event::{Column as E, Entity};
    let mut q = Entity::find().filter(E::WorkspaceId.eq(viewer.workspace_id));
    if let Some(convs) = conversations_of(viewer.reach()) {
        q = q.filter(E::ConversationId.in_subquery(convs));
        let private = Query::select()
            .column(message::Column::Id)
            .from(message::Entity)
            .and_where(message::Column::Private.eq(true))
            .to_owned();
        q = q.filter(Condition::any().add(E::MessageId.is_null()).add(E::MessageId.not_in_subquery(private)));
    }
    q
}
