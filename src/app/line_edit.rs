//! One line of typed text (the `:` prompt, the filter, an image name, a confirmation name):
//! the editing keys every text field shares.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Applies an editing key to `text`: a character types itself, Backspace deletes one,
/// Ctrl-U clears the line and Ctrl-W deletes the word before the cursor. Other Ctrl keys
/// type nothing. Returns whether the key was an editing key.
pub fn edit(text: &mut String, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if ctrl => text.clear(),
        KeyCode::Char('w') if ctrl => {
            let trimmed = text.trim_end_matches(' ').len();
            let start = text[..trimmed].rfind(' ').map_or(0, |p| p + 1);
            text.truncate(start);
        }
        KeyCode::Char(_) if ctrl => return false,
        KeyCode::Char(c) => text.push(c),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn ctrl_u_and_ctrl_w_edit_and_never_type_letters() {
        let mut t = "region eu-west-1".to_string();
        assert!(edit(&mut t, &ctrl('w')));
        assert_eq!(t, "region ");
        assert!(edit(&mut t, &ctrl('w')));
        assert_eq!(t, "");
        t.push_str("web-1 x");
        assert!(edit(&mut t, &ctrl('u')));
        assert_eq!(t, "");
        assert!(!edit(&mut t, &ctrl('k')));
        assert_eq!(t, "");
        assert!(edit(
            &mut t,
            &KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)
        ));
        assert_eq!(t, "a");
    }
}
