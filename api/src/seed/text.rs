//! The words of the demo data: names, places, support topics and the sentences people write about them.
//!
//! Templates may hold `{name}` (the contact's first name), `{agent}`, `{bot}`, `{order}`, `{invoice}`, `{amount}`
//! and `{city}`; [`fill`] replaces them.

use super::clock::pick;
use rand::Rng;
use rand::rngs::StdRng;

pub const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kara", "Liam", "Mia", "Noah",
    "Olga", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Aisha",
    "Bruno", "Chloe", "Diego", "Emily", "Farah", "Giulia", "Hannah", "Ivan", "Julia", "Kenji", "Lena", "Mateo", "Nora",
];

pub const LAST_NAMES: &[&str] = &[
    "Schmidt", "Garcia", "Johnson", "Müller", "Rossi", "Dubois", "Kowalski", "Silva", "Tanaka", "Nguyen", "Patel",
    "Smith", "Jansen", "Novak", "Fischer", "Lopez", "Brown", "Ivanova", "Kim", "Martin", "Costa", "Wagner", "Haddad",
    "Larsen", "Moreau", "O'Brien", "Svensson", "Yilmaz", "Chen", "Dvořák", "Andersen", "Ortiz", "Weber", "Okafor",
];

/// (country code, phone prefix, language)
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("DE", "+49 151", "de"),
    ("US", "+1 415", "en"),
    ("GB", "+44 7700", "en"),
    ("FR", "+33 6", "fr"),
    ("ES", "+34 612", "es"),
    ("NL", "+31 6", "nl"),
    ("BR", "+55 11", "pt"),
    ("IN", "+91 98", "en"),
    ("JP", "+81 90", "ja"),
    ("PL", "+48 501", "pl"),
];

pub const EMAIL_DOMAINS: &[&str] =
    &["example.com", "example.org", "example.net", "mail.example", "northwind.example", "initech.example"];

pub const PLANS: &[&str] = &["free", "starter", "pro", "enterprise"];

const CITIES: &[&str] = &["Berlin", "Madrid", "Lyon", "Austin", "Leeds", "Osaka", "Kraków", "Utrecht", "Porto"];

/// A support topic: what the conversation is about, which labels fit it, and what both sides say.
pub struct Topic {
    pub labels: &'static [&'static str],
    pub subjects: &'static [&'static str],
    pub contact: &'static [&'static str],
    pub reply: &'static [&'static str],
}

pub const TOPICS: &[Topic] = &[
    Topic {
        labels: &["refund", "billing"],
        subjects: &["Refund for order {order}", "Requesting a refund", "Refund not received yet"],
        contact: &[
            "Hi, I'd like a refund for order {order}, the item arrived damaged.",
            "I returned the package two weeks ago and still haven't seen the refund.",
            "Can you refund the {amount} you charged me twice?",
            "How long does a refund usually take to show up on my card?",
        ],
        reply: &[
            "I'm sorry about that, {name}. I've started a refund of {amount} for order {order}.",
            "Refunds take 5 to 10 business days to appear on your statement.",
            "I can see the return arrived at our warehouse; the refund is on its way.",
            "Could you send me a photo of the damaged item so I can approve the refund?",
        ],
    },
    Topic {
        labels: &["bug", "urgent"],
        subjects: &["Can't reset my password", "Password reset email never arrives", "Locked out of my account"],
        contact: &[
            "I can't log in, the password reset link says it has expired.",
            "The password reset email never arrives, I checked the spam folder too.",
            "My account got locked after I typed the wrong password a few times.",
            "I changed my password yesterday and now the app keeps logging me out.",
        ],
        reply: &[
            "I've sent you a new password reset link, it's valid for 30 minutes.",
            "Your account is unlocked now, {name}. Please try to log in again.",
            "Could you tell me which email address you use to sign in?",
            "Please clear your browser cache and use the password reset link again.",
        ],
    },
    Topic {
        labels: &["billing"],
        subjects: &["Invoice {invoice} is wrong", "Missing VAT number on invoice", "Where can I download my invoice?"],
        contact: &[
            "The invoice {invoice} is missing our VAT number, can you reissue it?",
            "Where can I download the invoice for last month?",
            "We were charged {amount} but our plan should be cheaper, please check invoice {invoice}.",
            "Can you send the invoice to our accounting team instead?",
        ],
        reply: &[
            "I've reissued invoice {invoice} with your VAT number, you'll find it under Billing.",
            "You can download every invoice from Settings → Billing → Invoices.",
            "Thanks, I've updated the billing email; future invoices go to accounting.",
            "The difference comes from the annual plan renewal; I've attached a breakdown of the invoice.",
        ],
    },
    Topic {
        labels: &["feedback", "urgent"],
        subjects: &["Shipping delay for order {order}", "Where is my package?", "Change shipping address"],
        contact: &[
            "My order {order} still hasn't shipped, it's been a week.",
            "The tracking page hasn't updated since the package left {city}.",
            "Can I change the shipping address for order {order}?",
            "Do you offer express shipping to {city}?",
        ],
        reply: &[
            "Order {order} left our warehouse this morning, here is the tracking link.",
            "There's a shipping delay in {city} because of the weather, sorry for the wait.",
            "I've updated the shipping address for order {order}.",
            "Express shipping to {city} takes 1 to 2 business days and costs {amount}.",
        ],
    },
    Topic {
        labels: &["bug"],
        subjects: &["App crashes on startup", "Export button does nothing", "Error 500 when saving"],
        contact: &[
            "The app crashes every time I open the settings page.",
            "When I click export nothing happens, no file is downloaded.",
            "I get an error 500 when I try to save my profile.",
            "Since the last update the dashboard is completely blank.",
        ],
        reply: &[
            "Thanks for reporting this, {name}. Our engineers are looking into the bug.",
            "Could you tell me which browser and version you are using?",
            "We shipped a fix for this bug an hour ago, could you try again?",
            "I've reproduced the error and filed it with the team as a high priority bug.",
        ],
    },
    Topic {
        labels: &["vip", "churn-risk"],
        subjects: &["Cancel my subscription", "Downgrade to the starter plan", "Unhappy with the service"],
        contact: &[
            "I want to cancel my subscription at the end of this month.",
            "We are thinking about moving to another provider, the price went up too much.",
            "Can I downgrade to the starter plan without losing my data?",
            "Honestly the last few weeks have been frustrating.",
        ],
        reply: &[
            "I'm sorry to hear that, {name}. Could you tell me what made you consider cancelling?",
            "You can downgrade at any time, all your data stays where it is.",
            "I can offer you 20% off the next three months if you decide to stay.",
            "I've passed your feedback to our product team, thank you for being honest.",
        ],
    },
    Topic {
        labels: &["onboarding"],
        subjects: &["Getting started", "How do I invite my team?", "Setting up the integration"],
        contact: &[
            "We just signed up, how do I invite the rest of my team?",
            "Is there a guide for connecting the integration with our CRM?",
            "How do I import my existing customers from a CSV file?",
            "What's the difference between the pro and the enterprise plan?",
        ],
        reply: &[
            "Welcome aboard, {name}! You can invite teammates from Settings → Team.",
            "Here is our step-by-step onboarding guide for the CRM integration.",
            "CSV imports are under Contacts → Import; the first row should hold the column names.",
            "Enterprise adds SSO, audit logs and a dedicated success manager.",
        ],
    },
];

/// Things contacts say whatever the topic.
pub const CONTACT_FILLER: &[&str] = &[
    "Thanks!",
    "Any update on this?",
    "Ok, let me try that.",
    "That worked, thank you so much!",
    "Still not working, unfortunately.",
    "Hello? Is anyone there?",
    "Sorry, one more question.",
    "Great, thanks for the quick help.",
];

/// Things bots and agents say whatever the topic.
pub const REPLY_FILLER: &[&str] = &[
    "Let me check that for you.",
    "Thanks for your patience, {name}.",
    "Is there anything else I can help you with?",
    "Happy to help! Have a great day.",
    "I'll get back to you as soon as I hear from the team.",
    "Could you share your order number or the email on your account?",
];

pub const BOT_GREETINGS: &[&str] = &[
    "Hi! I'm {bot}, the virtual assistant. How can I help you today?",
    "Hello 👋 Ask me anything about orders, refunds, shipping or your account.",
];

pub const AGENT_NOTES: &[&str] = &[
    "Internal: customer was charged twice, check with billing before approving the refund.",
    "Note: escalated to engineering, see the linked ticket.",
    "VIP account, please prioritize.",
    "Refund approved up to {amount}.",
    "Customer sounded frustrated, offer a discount if they mention cancelling.",
];

pub const HANDOFF: &[&str] =
    &["Conversation handed over to a human agent", "{bot} transferred the conversation to the support team"];

/// Replaces the placeholders of a template.
pub fn fill(rng: &mut StdRng, template: &str, name: Option<&str>, agent: &str, bot: &str) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let mut s = template.to_owned();
    for key in ["{name}", "{agent}", "{bot}", "{order}", "{invoice}", "{amount}", "{city}"] {
        if !s.contains(key) {
            continue;
        }
        let value = match key {
            "{name}" => name.unwrap_or("there").to_owned(),
            "{agent}" => agent.to_owned(),
            "{bot}" => bot.to_owned(),
            "{order}" => format!("#{}", rng.random_range(10_000..99_999)),
            "{invoice}" => format!("INV-2026-{:04}", rng.random_range(1..3_000)),
            "{amount}" => format!("€{}.{:02}", rng.random_range(9..400), rng.random_range(0..100)),
            _ => (*pick(rng, CITIES)).to_owned(),
        };
        s = s.replace(key, &value);
    }
    s
}
