namespace ContactBridge.Emulator.Telephony;

/// <summary>One utterance of a call's transcript, as the telephony provider posted it.</summary>
public sealed record TranscriptMessage(string ParticipantId, string MessageId, long StartTime, long EndTime, string Content, string SenderType);

/// <summary>The transcripts of an org's voice calls (in memory), each message once by its messageId.</summary>
public sealed class Transcripts
{
    private readonly Dictionary<string, List<TranscriptMessage>> _byCall = new(StringComparer.Ordinal);

    /// <summary>Adds a message unless one with its id is already there. Callers hold the org's lock.</summary>
    public bool Add(string voiceCallId, TranscriptMessage message)
    {
        if (!_byCall.TryGetValue(voiceCallId, out var list)) _byCall[voiceCallId] = list = [];
        if (list.Any(m => m.MessageId == message.MessageId)) return false;
        list.Add(message);
        return true;
    }

    public IReadOnlyList<TranscriptMessage> Of(string voiceCallId) => _byCall.TryGetValue(voiceCallId, out var list) ? [.. list.OrderBy(m => m.StartTime)] : [];
}
